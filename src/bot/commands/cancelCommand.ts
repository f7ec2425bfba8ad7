import type { CommandHandler } from '../types';

/** `cancel <request-id>`: the requester withdraws a request nobody has decided yet. */
export const cancelCommand: CommandHandler = {
  name: 'cancel',
  trigger: /^cancel$/i,
  usage: 'cancel <request-id>',
  summary: 'Withdraw your pending request',
  async handle({ args, actor, services }) {
    const requestId = args.split(' ')[0]?.toLowerCase();
    if (!requestId) return { text: 'Say which request to cancel, e.g. `cancel req-1a2b3c4d`.' };
    const result = await services.requests.cancel(requestId, actor);
    if (!result.ok) return { text: result.problem };
    return {
      text: `Cancelled ${result.request.requestId} (${result.request.accountName}); the approval card now says so.`,
      followUp: () => services.requests.carryOut(result.request.requestId),
    };
  },
};
