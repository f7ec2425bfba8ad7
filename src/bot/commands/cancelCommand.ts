import type { CommandHandler } from '../types';

/** `cancel <request-id>`: the requester withdraws a request nobody has decided yet. */
export const cancelCommand: CommandHandler = {
  name: 'cancel',
  trigger: /^cancel$/i,
  usage: 'cancel <request-id>',
  summary: 'Withdraw your pending request',
  async handle({ turn, args, actor, services }) {
    const requestId = args.split(' ')[0]?.toLowerCase();
    if (!requestId) {
      await turn.sendActivity('Say which request to cancel, e.g. `cancel req-1a2b3c4d`.');
      return;
    }
    const result = await services.requests.cancel(requestId, { id: actor.id, name: actor.name });
    await turn.sendActivity(
      result.ok
        ? `Cancelled ${result.request.requestId} (${result.request.accountName}); the approval card now says so.`
        : result.problem,
    );
  },
};
