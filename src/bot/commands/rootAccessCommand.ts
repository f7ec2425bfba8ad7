import { splitArgs } from '../commandText';
import { contactOf } from '../requestSubmission';
import { askReply, changeReply, rootAccessOf } from '../rootAccessReplies';
import type { CommandHandler } from '../types';

const USAGE =
  'Say `root-access <account> <reason>` (e.g. `root-access payments-prod restore the bucket policy that locks everyone out`), or `root-access done <account>` to end your session.';

/**
 * `root-access <account name or id> <reason>`: break-glass root access to one member account, approved by
 * someone else; the requester starts it from their card when ready. `root-access done <account>` ends it (or
 * withdraws it before Start). Asked in the personal chat only: the reset link comes there.
 */
export const rootAccessCommand: CommandHandler = {
  name: 'root-access',
  trigger: /^root-access$/i,
  usage: 'root-access <account> <reason> · root-access done <account>',
  summary:
    "Break-glass: sign in as one member account's root user for a stated reason, approved by someone else; `done` ends it and removes the password again",
  async handle(ctx) {
    const { args, actor, scope } = ctx;
    const rootAccess = rootAccessOf(ctx);
    const [first, rest] = splitArgs(args);
    if (!first) return { text: USAGE };
    if (first.toLowerCase() === 'done') {
      if (!rest) return { text: 'Say which account: `root-access done <account>`.' };
      return changeReply(ctx, await rootAccess.done(rest.split(/\s+/)[0], actor), 'requester');
    }
    if (scope !== 'personal')
      return {
        text: 'Ask for root access in your personal chat with RootMail: the reset link comes there, to you alone.',
      };
    if (!rest) return { text: `Say why you need root access to ${first.slice(0, 60)}. ${USAGE}` };
    const result = await rootAccess.ask({
      kind: 'session',
      account: first,
      reason: rest,
      by: actor,
      origin: 'chat',
      contact: contactOf(ctx),
    });
    return askReply(ctx, result);
  },
};
