import { splitArgs } from '../commandText';
import { contactOf } from '../requestSubmission';
import { askReply, rootAccessOf } from '../rootAccessReplies';
import type { CommandHandler } from '../types';

const USAGE =
  'Say `root-credentials remove <account> [mfa] [reason]`: `mfa` deactivates the root MFA devices too (only when they are lost or unknown).';

/**
 * `root-credentials remove <account> [mfa] [reason]` (admins): removes a member account's legacy root
 * credentials — access keys, signing certificates, the password, and MFA devices only when asked — after
 * someone else approves; the root user is audited again and the result shown on the card.
 */
export const rootCredentialsCommand: CommandHandler = {
  name: 'root-credentials',
  trigger: /^root-credentials$/i,
  usage: 'root-credentials remove <account> [mfa] [reason]',
  summary:
    "Admins: remove a member account's root access keys, certificates and password (MFA devices when asked), approved by someone else",
  async handle(ctx) {
    const { args, actor } = ctx;
    const rootAccess = rootAccessOf(ctx);
    const [verb, rest] = splitArgs(args);
    if (verb.toLowerCase() !== 'remove') return { text: USAGE };
    const [account, afterAccount] = splitArgs(rest);
    if (!account) return { text: USAGE };
    const [maybeMfa, afterMfa] = splitArgs(afterAccount);
    const mfa = maybeMfa.toLowerCase() === 'mfa';
    const reason = (mfa ? afterMfa : afterAccount) || 'remove legacy root credentials';
    const result = await rootAccess.ask({
      kind: 'removal',
      account,
      reason,
      by: actor,
      origin: 'chat',
      contact: contactOf(ctx),
      mfa,
    });
    return askReply(ctx, result);
  },
};
