import { DependencyUnavailableError } from './errors';

/**
 * The chat port: proactive posts, new channel threads, card updates and member lookups in Teams. The only
 * place that knows how (the Bot Framework) is its adapter, src/adapters/botFrameworkChat.ts.
 */

/** Where a conversation is and how to reach it (the shape of a Bot Framework conversation reference). */
export interface ConversationRef {
  serviceUrl?: string;
  channelId?: string;
  conversation?: {
    id: string;
    tenantId?: string;
    conversationType?: string;
    isGroup?: boolean;
    name?: string;
  };
  bot?: { id: string; name?: string };
  user?: { id: string; name?: string; aadObjectId?: string };
  activityId?: string;
  locale?: string;
}

/** An Adaptive Card as JSON. */
export type CardJson = Record<string, unknown>;

/** What the app sends to Teams: plain text, a card, or both. */
export interface OutgoingMessage {
  text?: string;
  card?: CardJson;
}

/** A message the bot posted, so it can be updated later. */
export interface PostedMessage {
  conversationId: string;
  activityId: string;
  serviceUrl: string;
}

export interface ChatMember {
  /** The Teams user id (MRI, `29:…`). */
  id: string;
  aadObjectId?: string;
  name?: string;
}

export interface ChatPort {
  /** Posts into an existing conversation (personal chat, group chat or channel thread). */
  post(reference: ConversationRef, message: OutgoingMessage): Promise<PostedMessage>;
  /** Starts a new thread in a channel. */
  postToChannel(reference: ConversationRef, message: OutgoingMessage): Promise<PostedMessage>;
  /** Opens (or reuses) the 1:1 chat with a user and posts; fails where the app is not installed for them. */
  postToUser(
    user: { aadObjectId: string; tenantId: string; serviceUrl: string },
    message: OutgoingMessage,
  ): Promise<PostedMessage>;
  /** Replaces a message the bot posted earlier (cards updated in place). */
  update(posted: PostedMessage, message: OutgoingMessage): Promise<void>;
  /** A member of the team (when teamId is given) or of the chat, or undefined when not a member. */
  getMember(
    reference: ConversationRef,
    aadObjectId: string,
    teamId?: string,
  ): Promise<ChatMember | undefined>;
}

/**
 * Pacing of everything the bot sends to Teams, so that it keeps to Teams' limits instead of running into them
 * (implemented in src/app/pacing, shared by all instances). The Bot Connector adapter asks before every call
 * and reports every 429 and 503; it never decides on its own how long to wait.
 */
export interface ChatPacing {
  /**
   * Resolves when a call may go out now: a send (new message, reply, update, delete) into `conversation`
   * within its budget, any call (`conversation` undefined for reads) within the app's share of the tenant's.
   */
  beforeSend(conversation: string | undefined): Promise<void>;
  /** Teams answered 429 or 503: nothing more goes into `conversation` (undefined: at all) for `waitMs`. */
  throttled(conversation: string | undefined, waitMs: number): Promise<void>;
}

/**
 * The conversation's service URL is not a Bot Connector the bot trusts (see src/domain/channelTrust.ts):
 * nothing was sent. Not an outage, and retrying does not help.
 */
export class UntrustedServiceUrlError extends Error {
  constructor() {
    super('the conversation service URL is not a trusted Bot Connector; nothing was sent');
    this.name = 'UntrustedServiceUrlError';
  }
}

/** The person has no personal chat with the bot and there is no tenant to open one in: nothing was sent. */
export class UnreachableUserError extends Error {
  constructor() {
    super('no tenant and serviceUrl known yet to open a personal chat');
    this.name = 'UnreachableUserError';
  }
}

/**
 * Whether Teams may have created a message although the post failed: a reset or timeout mid-call, or a
 * 408/5xx answer (the Bot Connector can create the message and still fail the answer). False only when it
 * certainly did not: refused (4xx), throttled (429), unavailable (503), never connected, not trusted, or
 * never asked (nobody to send to, or the store or the directory failed while finding where to send).
 */
export function mayHaveBeenDelivered(err: unknown): boolean {
  if (err instanceof UntrustedServiceUrlError || err instanceof UnreachableUserError) return false;
  if (err instanceof DependencyUnavailableError && err.dependency !== 'Bot Connector') return false;
  const failure = (err as { cause?: unknown })?.cause ?? err;
  const status = (failure as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number') return status === 408 || (status >= 500 && status !== 503);
  const code = (failure as { code?: unknown })?.code;
  if (typeof code === 'string' && NEVER_CONNECTED.has(code)) return false;
  return true;
}

const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
