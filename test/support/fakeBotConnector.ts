import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pollUntil } from './pollUntil';

export type ConnectorCallKind = 'reply' | 'post' | 'update' | 'createConversation' | 'getMember' | 'delete';

/** One call the bot made to the Bot Connector, as recorded. */
export interface ConnectorCall {
  kind: ConnectorCallKind;
  method: string;
  path: string;
  conversationId?: string;
  activityId?: string;
  /** The activity id the bot's reply answers (reply) or the one it replaces (update). */
  targetActivityId?: string;
  body: any;
  authorization?: string;
}

/**
 * A loopback stand-in for Teams' Bot Connector (the only part of Teams that cannot run here). It answers
 * as Teams does and records everything the bot sends.
 */
export class FakeBotConnector {
  readonly calls: ConnectorCall[] = [];
  /** Team or chat id → Entra object ids of its members (for the member API). */
  readonly members = new Map<string, Set<string>>();
  /** Users for whom Teams refuses a 1:1 chat (the app is not installed for them). */
  readonly personalChatRefused = new Set<string>();
  /** Added to every answer (benches: Teams' real latency). */
  latencyMs = 0;
  private server?: http.Server;
  private counter = 1000;
  url = '';

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  addMembers(teamOrChatId: string, ...aadObjectIds: string[]): void {
    const set = this.members.get(teamOrChatId) ?? new Set<string>();
    aadObjectIds.forEach((id) => set.add(id.toLowerCase()));
    this.members.set(teamOrChatId, set);
  }

  /** Calls of one kind, optionally in one conversation. */
  of(kind: ConnectorCallKind, conversationId?: string): ConnectorCall[] {
    return this.calls.filter(
      (c) => c.kind === kind && (!conversationId || c.conversationId === conversationId),
    );
  }

  /** Everything the bot sent as text or card into conversations (replies, posts, new threads). */
  sentMessages(): ConnectorCall[] {
    return this.calls.filter(
      (c) => c.kind === 'reply' || c.kind === 'post' || (c.kind === 'createConversation' && c.body.activity),
    );
  }

  clear(): void {
    this.calls.length = 0;
  }

  async waitFor(predicate: (calls: ConnectorCall[]) => boolean, timeoutMs = 5000): Promise<void> {
    await pollUntil(
      () => predicate(this.calls),
      () => `the bot; it sent:\n${this.describe()}`,
      timeoutMs,
    );
  }

  describe(): string {
    return this.calls
      .map((c) => `${c.method} ${c.path} ${(JSON.stringify(c.body) ?? '').slice(0, 200)}`)
      .join('\n');
  }

  private nextId(): string {
    return String(++this.counter);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs)); // a slow remote service
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? JSON.parse(raw) : undefined;
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent); // v3 conversations {id} …
    const method = req.method ?? 'GET';
    const base = { method, path: url.pathname, body, authorization: req.headers.authorization };
    const send = (status: number, payload?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };

    if (parts[0] !== 'v3' || parts[1] !== 'conversations') return send(404, { error: { code: 'NotFound' } });

    if (method === 'POST' && parts.length === 2) {
      const channelId: string | undefined = body?.channelData?.channel?.id;
      if (channelId) {
        const activityId = this.nextId();
        const conversationId = `${channelId};messageid=${activityId}`;
        this.calls.push({ ...base, kind: 'createConversation', conversationId, activityId });
        return send(201, { id: conversationId, activityId });
      }
      const member: string = (body?.members?.[0]?.id ?? '').toLowerCase();
      if (this.personalChatRefused.has(member)) {
        this.calls.push({ ...base, kind: 'createConversation' });
        return send(403, { error: { code: 'Forbidden', message: 'The bot is not installed for this user' } });
      }
      const conversationId = `a:personal-${member}`;
      this.calls.push({ ...base, kind: 'createConversation', conversationId });
      return send(201, { id: conversationId });
    }

    const conversationId = parts[2];
    if (parts[3] === 'activities') {
      if (method === 'POST') {
        const activityId = this.nextId();
        const kind: ConnectorCallKind = parts[4] ? 'reply' : 'post';
        this.calls.push({ ...base, kind, conversationId, activityId, targetActivityId: parts[4] });
        return send(200, { id: activityId });
      }
      if (method === 'PUT') {
        this.calls.push({
          ...base,
          kind: 'update',
          conversationId,
          activityId: parts[4],
          targetActivityId: parts[4],
        });
        return send(200, { id: parts[4] });
      }
      if (method === 'DELETE') {
        this.calls.push({ ...base, kind: 'delete', conversationId, activityId: parts[4] });
        return send(200);
      }
    }
    if (parts[3] === 'members' && method === 'GET') {
      const set = this.members.get(conversationId) ?? new Set<string>();
      this.calls.push({ ...base, kind: 'getMember', conversationId });
      if (parts[4]) {
        const id = parts[4].toLowerCase();
        return set.has(id)
          ? send(200, { id: `29:${id}`, aadObjectId: id, name: id })
          : send(404, { error: { code: 'MemberNotFoundInConversation', message: 'not a member' } });
      }
      return send(
        200,
        [...set].map((id) => ({ id: `29:${id}`, aadObjectId: id, name: id })),
      );
    }
    return send(404, { error: { code: 'NotFound' } });
  }
}
