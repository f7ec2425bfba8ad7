import type { ChannelRole } from '../../app/conversations';
import { maySetUpChannels } from '../../domain/permissions';
import type { CommandHandler } from '../types';

const ROLES: Record<string, { role: ChannelRole; describe: string }> = {
  oncall: {
    role: 'oncall',
    describe: 'AWS root-user mails (verification codes, password resets, MFA recovery) will be posted here',
  },
  approvals: {
    role: 'approvals',
    describe: 'approval cards will be posted here when a manager cannot be reached in a personal chat',
  },
};

/** `setup oncall` / `setup approvals`: an admin gives the current channel a role. */
export const setupCommand: CommandHandler = {
  name: 'setup',
  trigger: /^setup$/i,
  usage: 'setup oncall | setup approvals',
  summary: 'Admins, in a channel: make this channel the on-call or the approvals channel',
  async handle({ args, actor, scope, conversation, services }) {
    const choice = ROLES[args.trim().toLowerCase()];
    if (!choice) return { text: 'Say `setup oncall` or `setup approvals`.' };
    const verdict = maySetUpChannels(actor);
    if (!verdict.allowed) {
      await services.audit.record({
        subject: `channel:${choice.role}`,
        action: 'setup.refused',
        actorId: actor.id,
        actorName: actor.name,
        detail: 'not an admin',
      });
      return { text: verdict.reason };
    }
    if (scope !== 'channel')
      return {
        text: `Run \`setup ${choice.role}\` in the team channel you want to use, after @mentioning me.`,
      };
    const before = await services.conversations.channelFor(choice.role);
    const setting = await services.conversations.setChannelRole(choice.role, conversation, actor.id);
    await services.audit.record({
      subject: `channel:${choice.role}`,
      action: 'setup',
      actorId: actor.id,
      actorName: actor.name,
      before: before ? { channel: before.reference.conversation?.id } : undefined,
      after: { channel: setting.reference.conversation?.id, teamId: setting.teamId },
    });
    return {
      text:
        `Done: this is now the ${choice.role} channel; ${choice.describe}.` +
        (choice.role === 'oncall' ? ' Keep the team membership restricted to on-call engineers.' : ''),
      // Approval cards that reached nobody so far go out now.
      followUp:
        choice.role === 'approvals'
          ? async () => {
              await services.requests.redeliverUndelivered();
              await services.aws?.rootAccess.redeliverUndelivered();
            }
          : undefined,
    };
  },
};
