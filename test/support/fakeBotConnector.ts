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
  /** Set when the connector created the message and then failed its answer with this status (a fault). */
  answeredWith?: number;
}

/** A fault the fake connector injects into the next matching calls (see FakeBotConnector.fail). */
interface Fault {
  match: (call: { method: string; path: string; body: any }) => boolean;
  status: number;
  /** True: the message is created (recorded) and only the answer fails, as a 500 can. False: refused. */
  created: boolean;
  times: number;
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
  private server?: http.Server;
  private counter = 1000;
  private readonly faults: Fault[] = [];
  /** Every answer waits this long (a slow Teams; benches: Teams' real latency), after the call is recorded. */
  latencyMs = 0;
  /**
   * A POST that arrives on a connection idle for at least this long (ms) is dropped (the connection closed,
   * nothing recorded), as when a server closes a pooled connection as idle just as the client writes on it.
   * Such a server announces no keep-alive timeout (`announceKeepAlive` false), so a client cannot know it.
   */
  dropPostsOnConnectionsIdleFor?: number;
  /** POSTs dropped that way, and POSTs that came on a connection used before. */
  droppedPosts = 0;
  postsOnReusedConnections = 0;
  private readonly requestsOn = new WeakMap<object, number>();
  private readonly idleSince = new Map<object, number>();
  url = '';

  /**
   * The next `times` calls that `match` are answered with `status`: refused (nothing created, like 429/503/403)
   * or, with `created`, recorded as sent and then answered with the error (a 500 after the fact).
   */
  fail(
    match: Fault['match'],
    status: number,
    { created = false, times = 1 }: { created?: boolean; times?: number } = {},
  ): void {
    this.faults.push({ match, status, created, times });
  }

  /** How long the longest-idle open connection has been idle, in ms (0: none is idle). */
  longestIdleMs(): number {
    const now = performance.now();
    return Math.max(0, ...[...this.idleSince.values()].map((since) => now - since));
  }

  /** Whether answers carry `Keep-Alive: timeout=…` and idle connections are closed (Node's default: 5 s). */
  set announceKeepAlive(announce: boolean) {
    this.server!.keepAliveTimeout = announce ? 5000 : 0;
  }

  /** Teams is back: the faults still pending are dropped. */
  heal(): void {
    this.faults.length = 0;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
    this.server.on('connection', (socket) => socket.on('close', () => this.idleSince.delete(socket)));
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
    const served = (this.requestsOn.get(req.socket) ?? 0) + 1;
    this.requestsOn.set(req.socket, served);
    const idleMs = performance.now() - (this.idleSince.get(req.socket) ?? performance.now());
    this.idleSince.delete(req.socket);
    res.on('finish', () => this.idleSince.set(req.socket, performance.now()));
    if (req.method === 'POST' && served > 1) this.postsOnReusedConnections++;
    const dropAfter = this.dropPostsOnConnectionsIdleFor;
    if (dropAfter !== undefined && req.method === 'POST' && served > 1 && idleMs >= dropAfter) {
      this.droppedPosts++;
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? JSON.parse(raw) : undefined;
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent); // v3 conversations {id} …
    const method = req.method ?? 'GET';
    const base = { method, path: url.pathname, body, authorization: req.headers.authorization };
    const fault = this.faults.find((f) => f.times > 0 && f.match(base));
    if (fault) {
      fault.times--;
      if (fault.created)
        this.calls.push({
          ...base,
          kind: parts[4] ? 'reply' : 'post',
          conversationId: parts[2],
          activityId: this.nextId(),
          answeredWith: fault.status,
        });
      res.writeHead(fault.status, { 'content-type': 'application/json', 'retry-after': '0' });
      res.end(JSON.stringify({ error: { code: 'ServiceError', message: 'injected fault' } }));
      return;
    }
    const latency = this.latencyMs;
    const send = (status: number, payload?: unknown) => {
      const answer = () => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      if (latency > 0) setTimeout(answer, latency);
      else answer();
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
