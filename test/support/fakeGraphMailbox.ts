import { FakeGraph, GraphCall, notFound } from './fakeGraph';

interface FakeSubscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  clientState: string;
  expirationDateTime: string;
}

/**
 * The central mailbox on a FakeGraph: subscriptions (POST/PATCH/DELETE), messages as raw MIME ($value)
 * and the inbox delta query with paging and a deltaLink, as Graph serves them.
 */
export class FakeGraphMailbox {
  readonly subscriptions = new Map<string, FakeSubscription>();
  private readonly messages: { id: string; raw: string; receivedDateTime: string }[] = [];
  private readonly byId = new Map<string, { raw: string }>();
  private counter = 0;
  /** While true, renewals (PATCH) fail with 500, as in a Graph outage or after a revoked permission. */
  failRenewals = false;
  private heldCreate?: { arrived: () => void; answer: Promise<number> };

  constructor(
    private readonly graph: FakeGraph,
    readonly mailbox: string,
    private readonly pageSize = 2,
  ) {
    const user = `/users/${escape(encodeURIComponent(mailbox))}`;
    graph.on('POST', /^\/subscriptions$/, async (call) => {
      const hold = this.heldCreate;
      if (hold) {
        this.heldCreate = undefined;
        hold.arrived();
        const status = await hold.answer;
        if (status !== 201)
          return { status, body: { error: { code: 'ServiceUnavailable', message: 'not created' } } };
      }
      const id = `sub-${++this.counter}`;
      const subscription = { id, ...(call.body as Omit<FakeSubscription, 'id'>) };
      this.subscriptions.set(id, subscription);
      return { status: 201, body: subscription };
    });
    graph.on('PATCH', /^\/subscriptions\/([^/]+)$/, (call, m) => {
      if (this.failRenewals) {
        return { status: 500, body: { error: { code: 'InternalServerError', message: 'renewal failed' } } };
      }
      const subscription = this.subscriptions.get(decodeURIComponent(m[1]));
      if (!subscription) return notFound();
      subscription.expirationDateTime = call.body.expirationDateTime;
      return { body: subscription };
    });
    graph.on('DELETE', /^\/subscriptions\/([^/]+)$/, (_c, m) =>
      this.subscriptions.delete(decodeURIComponent(m[1])) ? { status: 204 } : notFound(),
    );
    graph.on('GET', new RegExp(`^${user}/messages/([^/]+)/\\$value$`, 'i'), (_c, m) => {
      const message = this.byId.get(decodeURIComponent(m[1]));
      return message ? { text: message.raw, contentType: 'message/rfc822' } : notFound();
    });
    graph.on(
      'GET',
      new RegExp(`^${user}/mailFolders\\(('|%27)inbox('|%27)\\)/messages/delta$`, 'i'),
      (call) => this.delta(call),
    );
  }

  /**
   * The next subscription creation waits until `answer` (as Graph does while it validates the notification
   * URL); answered with another status than 201, nothing is created.
   */
  holdNextCreate(): { arrived: Promise<void>; answer(status: number): void } {
    let arrived!: () => void;
    let answer!: (status: number) => void;
    const hold = {
      arrived: () => arrived(),
      answer: new Promise<number>((resolve) => (answer = resolve)),
    };
    this.heldCreate = hold;
    return { arrived: new Promise<void>((resolve) => (arrived = resolve)), answer };
  }

  /** A mail lands in the inbox; returns its Graph id. */
  deliver(raw: Buffer | string, receivedDateTime = new Date().toISOString()): string {
    const id = `AAMkAD${String(++this.counter).padStart(6, '0')}=`;
    const message = { id, raw: raw.toString(), receivedDateTime };
    this.messages.push(message);
    this.byId.set(id, message);
    return id;
  }

  /** The one live subscription (tests expect exactly one). */
  current(): FakeSubscription | undefined {
    return [...this.subscriptions.values()].at(-1);
  }

  /** A change-notification batch as Graph posts it. */
  notification(messageIds: string[], clientState = this.current()?.clientState) {
    const subscription = this.current();
    return {
      value: messageIds.map((id) => ({
        subscriptionId: subscription?.id,
        subscriptionExpirationDateTime: subscription?.expirationDateTime,
        changeType: 'created',
        resource: `Users/${this.mailbox}/Messages/${id}`,
        resourceData: {
          '@odata.type': '#Microsoft.Graph.Message',
          '@odata.id': `Users/x/Messages/${id}`,
          id,
        },
        clientState,
        tenantId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      })),
    };
  }

  lifecycle(event: string, clientState = this.current()?.clientState) {
    const subscription = this.current();
    return {
      value: [
        {
          subscriptionId: subscription?.id,
          subscriptionExpirationDateTime: subscription?.expirationDateTime,
          lifecycleEvent: event,
          clientState,
          tenantId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
        },
      ],
    };
  }

  /** Delta tokens are positions in the message list; skip tokens page through it. */
  private delta(call: GraphCall) {
    const from = Number(call.query.get('$skiptoken') ?? call.query.get('$deltatoken') ?? 0);
    const page = this.messages.slice(from, from + this.pageSize);
    const next = from + page.length;
    const link = `${this.graph.baseUrl}/users/${encodeURIComponent(this.mailbox)}/mailFolders('inbox')/messages/delta`;
    return {
      body: {
        value: page.map((m) => ({ id: m.id, receivedDateTime: m.receivedDateTime })),
        ...(next < this.messages.length
          ? { '@odata.nextLink': `${link}?$skiptoken=${next}` }
          : { '@odata.deltaLink': `${link}?$deltatoken=${next}` }),
      },
    };
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
