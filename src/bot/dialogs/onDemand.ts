import type { ConversationState, TurnContext } from 'botbuilder';
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
 * chat starts or one is waiting: every other personal message costs one read of the conversation's state.
 */
export function guidedChatOnDemand(state: ConversationState, clock: Clock, checks: GuidedChecks): GuidedChat {
  const dialogState = state.createProperty<{ dialogStack?: unknown[] }>('dialogState');
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
      const waiting = (await dialogState.get(turn))?.dialogStack?.length;
      return waiting ? dialogs().continue(turn) : { kind: 'none' };
    },
  };
}
