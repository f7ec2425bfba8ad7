import type { ConversationState, Storage, TurnContext } from 'botbuilder';
import type { Clock } from '../../ports/clock';
import type { GuidedChecks, GuidedOutcome, GuidedRequest } from './guidedRequest';

export type { GuidedChecks, GuidedOutcome };

/** What the bot asks of the guided request chat. */
export interface GuidedChat {
  begin(turn: TurnContext): Promise<GuidedOutcome>;
  continue(turn: TurnContext): Promise<GuidedOutcome>;
}

/**
 * The guided request chat, with botbuilder-dialogs (and its recognizers, ~1 s to load) loaded only when a
 * chat starts or one is waiting: every other personal message costs one read of the conversation's state,
 * straight from `storage` (where `state` keeps it). Through ConversationState the read also hashed the state
 * (a SHA-256 it keeps to see changes), a tenth of a `help` turn for a check that changes nothing.
 */
export function guidedChatOnDemand(
  state: ConversationState,
  storage: Storage,
  clock: Clock,
  checks: GuidedChecks,
): GuidedChat {
  let loaded: GuidedRequest | undefined;
  const dialogs = (): GuidedRequest => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded ??= new (require('./guidedRequest') as typeof import('./guidedRequest')).GuidedRequest(
      state,
      clock,
      checks,
    );
    return loaded;
  };
  return {
    begin: (turn) => dialogs().begin(turn),
    continue: async (turn) => {
      const key = state.getStorageKey(turn);
      const stored = key ? (await storage.read([key]))[key] : undefined;
      const waiting = (stored as { dialogState?: { dialogStack?: unknown[] } } | undefined)?.dialogState
        ?.dialogStack?.length;
      return waiting ? dialogs().continue(turn) : { kind: 'none' };
    },
  };
}
