import type { TurnContext } from 'botbuilder';
import type { AppServices } from '../app/services';

/** Who is acting: the Entra object id (lower case) and display name from the activity. */
export interface Actor {
  id: string;
  name: string;
  tenantId?: string;
}

export type ConversationScope = 'personal' | 'channel' | 'groupChat';

export interface CommandContext {
  turn: TurnContext;
  /** The text after the command word, trimmed. */
  args: string;
  actor: Actor;
  scope: ConversationScope;
  services: AppServices;
  /** All commands, for `help`. */
  commands: readonly CommandHandler[];
}

/** One chat command; adding a command is adding one file with one of these. */
export interface CommandHandler {
  name: string;
  /** Matched against the first word of the message, case-insensitive. */
  trigger: RegExp;
  usage: string;
  summary: string;
  handle(ctx: CommandContext): Promise<void>;
}

export interface CardActionContext {
  turn: TurnContext;
  verb: string;
  data: Record<string, unknown>;
  actor: Actor;
  scope: ConversationScope;
  services: AppServices;
  /** True for the legacy Action.Submit path (a message with `value`), false for Action.Execute invokes. */
  viaSubmit: boolean;
}

/** What a card action answers: a card that replaces the one clicked, or a short message. */
export type CardActionResult = { card: Record<string, unknown> } | { message: string };

/** One card verb; adding a verb is adding one file with one of these. */
export interface CardActionHandler {
  verb: string;
  handle(ctx: CardActionContext): Promise<CardActionResult>;
}
