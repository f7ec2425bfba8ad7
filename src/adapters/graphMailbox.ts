import type { MailboxPort, MailDelta, MailSubscription, NewMailSubscription } from '../ports/mailbox';
import { MessageGoneError, SubscriptionGoneError } from '../ports/mailbox';
import { ResponseType } from '@microsoft/microsoft-graph-client';
import { asGraphOutage, GraphApi, isNotFound } from './graphApi';

interface DeltaPage {
  value?: { id: string; receivedDateTime?: string; '@removed'?: unknown }[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

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
    const body = (await this.graph.client
      .api(`/users/${this.user}/messages/${encodeURIComponent(messageId)}/$value`)
      .responseType(ResponseType.ARRAYBUFFER)
      .get()
      .catch((err: unknown) => {
        if (isNotFound(err))
          throw new MessageGoneError(`message ${messageId.slice(0, 200)} is not in the mailbox`);
        throw asGraphOutage(err);
      })) as ArrayBuffer;
    return Buffer.from(body);
  }

  async delta(deltaLink?: string): Promise<MailDelta> {
    let next: string | undefined = deltaLink
      ? this.graph.relative(deltaLink)
      : `${this.inbox}/delta?$select=id,receivedDateTime`;
    const messages: MailDelta['messages'] = [];
    for (;;) {
      const page = (await this.graph.client
        .api(next!)
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
