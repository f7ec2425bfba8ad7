import type { MailboxPort, MailDelta, MailSubscription, NewMailSubscription } from '../ports/mailbox';
import { MessageGoneError, SubscriptionGoneError } from '../ports/mailbox';
import { ResponseType, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { asGraphOutage, GraphApi, isNotFound } from './graphApi';

interface DeltaPage {
  value?: { id: string; receivedDateTime?: string; '@removed'?: unknown }[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

/**
 * Reads of the mailbox are not retried by the Graph client: the app's mailbox permits retry them after Graph's
 * Retry-After, and tell every instance to wait too (src/app/pacing/mailboxPermits.ts).
 */
const NO_CLIENT_RETRY = [new RetryHandlerOptions(0, 0)];

/** The mailbox port over Microsoft Graph, for the one central mailbox (MAILBOX, a UPN or id). */
export class GraphMailbox implements MailboxPort {
  private readonly user: string;

  constructor(
    private readonly graph: GraphApi,
    private readonly mailbox: string,
  ) {
    this.user = encodeURIComponent(mailbox);
  }

  private get inbox(): string {
    return `/users/${this.user}/mailFolders('inbox')/messages`;
  }

  async createSubscription(request: NewMailSubscription): Promise<MailSubscription> {
    const created = await this.graph.client
      .api('/subscriptions')
      .post({
        changeType: 'created',
        resource: `users/${this.mailbox}/mailFolders('inbox')/messages`, // a resource name, not a URL
        notificationUrl: request.notificationUrl,
        lifecycleNotificationUrl: request.lifecycleNotificationUrl,
        clientState: request.clientState,
        expirationDateTime: request.expiration.toISOString(),
      })
      .catch((err: unknown) => {
        throw asGraphOutage(err);
      });
    return { id: created.id, expirationDateTime: created.expirationDateTime };
  }

  async renewSubscription(id: string, expiration: Date): Promise<MailSubscription> {
    try {
      const renewed = await this.graph.client
        .api(`/subscriptions/${encodeURIComponent(id)}`)
        .patch({ expirationDateTime: expiration.toISOString() });
      return { id, expirationDateTime: renewed?.expirationDateTime ?? expiration.toISOString() };
    } catch (err) {
      if (isNotFound(err)) throw new SubscriptionGoneError(`subscription ${id} is gone`);
      throw asGraphOutage(err);
    }
  }

  async fetchRawMessage(messageId: string): Promise<Buffer> {
    // RAW: the client keeps no headers on errors of binary answers, and the Retry-After of a 429 matters.
    const response = (await this.graph.client
      .api(`/users/${this.user}/messages/${encodeURIComponent(messageId)}/$value`)
      .middlewareOptions(NO_CLIENT_RETRY)
      .responseType(ResponseType.RAW)
      .get()
      .catch((err: unknown) => {
        throw asGraphOutage(err);
      })) as Response;
    if (!response.ok) {
      await response.arrayBuffer().catch(() => undefined);
      const failure = { name: 'GraphError', statusCode: response.status, headers: response.headers };
      if (isNotFound(failure))
        throw new MessageGoneError(`message ${messageId.slice(0, 200)} is not in the mailbox`);
      throw asGraphOutage(failure);
    }
    return Buffer.from(await response.arrayBuffer());
  }

  async delta(deltaLink?: string): Promise<MailDelta> {
    let next: string | undefined = deltaLink
      ? this.graph.relative(deltaLink)
      : `${this.inbox}/delta?$select=id,receivedDateTime`;
    const messages: MailDelta['messages'] = [];
    for (;;) {
      const page = (await this.graph.client
        .api(next!)
        .middlewareOptions(NO_CLIENT_RETRY)
        .get()
        .catch((err: unknown) => {
          throw asGraphOutage(err);
        })) as DeltaPage;
      for (const item of page.value ?? [])
        if (!item['@removed']) messages.push({ id: item.id, receivedAt: item.receivedDateTime });
      if (page['@odata.nextLink']) next = this.graph.relative(page['@odata.nextLink']);
      else return { messages, deltaLink: page['@odata.deltaLink'] ?? deltaLink ?? '' };
    }
  }
}
