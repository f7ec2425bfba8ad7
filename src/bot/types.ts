import type { AppServices } from '../app/services';
import type { ConversationFacts } from '../app/conversations';
import type { Principal } from '../domain/permissions';
import type { CardJson, PostedMessage } from '../ports/chat';

/** Who is acting, as the permission policy sees them, plus their tenant (to reach them later). */
export type Actor = Principal & { tenantId?: string };

export type ConversationScope = 'personal' | 'channel' | 'groupChat';

/**
 * What a command or card action answers: text, a card, or both, and optionally work to start once the
 * answer is out (tracked background work, given where the answer landed).
 */
export interface Reply {
  text?: string;
  card?: CardJson;
  followUp?: (answeredOn: PostedMessage | undefined) => Promise<void> | void;
  /** Instead of an answer: start this guided chat (src/bot/dialogs), which asks its own questions. */
  dialog?: 'request';
}

/** What every handler knows about the turn; never the turn itself. */
export interface TurnFacts {
  actor: Actor;
  scope: ConversationScope;
  conversation: ConversationFacts;
  services: AppServices;
  /** The reader's IANA time zone as Teams sends it with the activity; undefined when it did not. */
  timeZone?: string;
}

export interface CommandContext extends TurnFacts {
  /** The text after the command word, trimmed. */
  args: string;
  /** All commands, for `help`. */
  commands: readonly CommandHandler[];
}

/** One chat command; adding a command is adding one file with one of these. */
export interface CommandHandler {
  name: string;
  /** Matched against the first word of the message, case-insensitive. */
  trigger: RegExp;
  /** Other words the trigger takes (shown in help, and offered when someone types a near miss). */
  aliases?: readonly string[];
  usage: string;
  summary: string;
  handle(ctx: CommandContext): Promise<Reply>;
}

export interface CardActionContext extends TurnFacts {
  verb: string;
  data: Record<string, unknown>;
  /** The message that carries the clicked card, when Teams says (its id is the activity's replyToId). */
  clicked?: PostedMessage;
  /** True for the legacy Action.Submit path (a message with `value`), false for Action.Execute invokes. */
  viaSubmit: boolean;
}

/** One card verb; adding a verb is adding one file with one of these. A card answer replaces the clicked card. */
export interface CardActionHandler {
  verb: string;
  handle(ctx: CardActionContext): Promise<Reply>;
}
