/** A Graph change-notification subscription on the central mailbox's inbox. */
export interface MailSubscription {
  id: string;
  expirationDateTime: string;
}

export interface NewMailSubscription {
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  clientState: string;
  expiration: Date;
}

export interface MailDelta {
  /** Messages created since the last delta link (Graph ids). */
  messages: { id: string; receivedAt?: string }[];
  /** Where to continue next time. */
  deltaLink: string;
}

/** The subscription was removed or never existed (Graph answered 404). */
export class SubscriptionGoneError extends Error {}

/**
 * The message a notification named is not in the mailbox (Graph answered 404): deleted or moved before it
 * was fetched, or the notification was made up. Not an outage.
 */
export class MessageGoneError extends Error {}

/**
 * The mailbox port: the central mailbox read through Microsoft Graph (subscriptions, raw messages, delta).
 */
export interface MailboxPort {
  createSubscription(request: NewMailSubscription): Promise<MailSubscription>;
  /** Moves the expiry; throws SubscriptionGoneError when Graph no longer knows the subscription. */
  renewSubscription(id: string, expiration: Date): Promise<MailSubscription>;
  /** The message as raw MIME, headers included; MessageGoneError when the mailbox does not have it. */
  fetchRawMessage(messageId: string): Promise<Buffer>;
  /** Messages added since `deltaLink` (all current inbox messages when none), following every page. */
  delta(deltaLink?: string): Promise<MailDelta>;
}
