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

/** A send Teams refused with 429, or one that came before the Retry-After it had been given had passed. */
export interface ThrottledSend {
  /** When it arrived (ms since the epoch, this process's clock). */
  at: number;
  /** The conversation whose budget it counted against (a channel's threads count as the channel). */
  key: string;
  method: string;
  path: string;
  /** The Retry-After answered, in ms (429s). */
  retryAfterMs?: number;
  /** Early posts: until when Teams had asked for quiet. */
  blockedUntil?: number;
  /** Which limit: a conversation window (e.g. "8/2000ms") or the tenant's. */
  limit: string;
}

/**
 * Teams' published limits for a bot, restated here on their own (not taken from the app): per conversation
 * 7 sends a second, 8 in two seconds, 60 in thirty, 1,800 an hour; per app and tenant 50 calls a second.
 */
export const PUBLISHED_TEAMS_LIMITS = {
  conversation: [
    { ms: 1_000, max: 7 },
    { ms: 2_000, max: 8 },
    { ms: 30_000, max: 60 },
    { ms: 3_600_000, max: 1_800 },
  ],
  tenantPerSecond: 50,
};

/** A fault the fake connector injects into the next matching calls (see FakeBotConnector.fail). */
interface Fault {
  match: (call: { method: string; path: string; body: any }) => boolean;
  status: number;
  /** True: the message is created (recorded) and only the answer fails, as a 500 can. False: refused. */
  created: boolean;
  times: number;
  /** The Retry-After answered with it, in seconds. */
  retryAfterSeconds: number;
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
  /** Set by enforceLimits(): sends beyond Teams' limits are answered 429 with a Retry-After. */
  private limits?: typeof PUBLISHED_TEAMS_LIMITS;
  /** Sends answered 429 (with their Retry-After), as Teams throttles them. */
  readonly throttled: ThrottledSend[] = [];
  /** Sends that came before the Retry-After given for their conversation (or the tenant) had passed. */
  readonly earlyPosts: ThrottledSend[] = [];
  /** Accepted sends per conversation, and every call (for the tenant's limit), by arrival time. */
  private readonly sendsIn = new Map<string, number[]>();
  private readonly callTimes: number[] = [];
  /** Conversation (or '' for the tenant) → the end of the Retry-After last answered. */
  private readonly quietUntil = new Map<string, number>();

  /**
   * From now on, Teams' limits apply: a send (new message, reply, update, delete) beyond a conversation's
   * windows, or any call beyond the tenant's, is answered 429 with a Retry-After in whole seconds, and not
   * counted. A send that comes before that Retry-After has passed is recorded in `earlyPosts` (and refused).
   */
  enforceLimits(limits = PUBLISHED_TEAMS_LIMITS): void {
    this.limits = limits;
  }

  /** Accepted sends into a conversation, with their arrival times (ms). */
  sendTimes(key: string): number[] {
    return [...(this.sendsIn.get(key) ?? [])];
  }

  /**
   * The next `times` calls that `match` are answered with `status`: refused (nothing created, like 429/503/403)
   * or, with `created`, recorded as sent and then answered with the error (a 500 after the fact). A 429 or 503
   * with `retryAfterSeconds` asks for quiet in that conversation as Teams does (see `earlyPosts`).
   */
  fail(
    match: Fault['match'],
    status: number,
    {
      created = false,
      times = 1,
      retryAfterSeconds = 0,
    }: { created?: boolean; times?: number; retryAfterSeconds?: number } = {},
  ): void {
    this.faults.push({ match, status, created, times, retryAfterSeconds });
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

  /**
   * Teams' side of throttling, before a call is served: a call that comes while Teams asked for quiet (a
   * Retry-After it gave for the conversation or the tenant has not passed) is an early post — recorded and
   * refused again; with limits enforced, a call beyond them is refused with a Retry-After. Answers whether the
   * call was refused (and answered); else it counts towards the limits.
   */
  private throttles(
    call: { method: string; path: string; body: any },
    key: string | undefined,
    res: ServerResponse,
    now: number,
  ): boolean {
    for (const quietKey of ['', ...(key ? [key] : [])]) {
      const until = this.quietUntil.get(quietKey) ?? 0;
      if (now >= until) continue;
      const early = { at: now, key: quietKey || 'tenant', method: call.method, path: call.path };
      this.earlyPosts.push({ ...early, blockedUntil: until, limit: 'retry-after' });
      // Refused again, with what is left of the Retry-After (the quiet it asked for does not grow).
      const seconds = Math.max(1, Math.ceil((until - now) / 1000));
      this.throttled.push({ ...early, retryAfterMs: seconds * 1000, limit: 'retry-after' });
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(seconds) });
      res.end(JSON.stringify({ error: { code: 'TooManyRequests', message: 'Too many requests.' } }));
      return true;
    }
    const limits = this.limits;
    if (!limits) return false;
    const lastSecond = this.callTimes.filter((t) => t > now - 1000);
    if (lastSecond.length >= limits.tenantPerSecond) {
      const wait = lastSecond[lastSecond.length - limits.tenantPerSecond] + 1000 - now;
      this.refuse(call, '', 429, wait, `tenant ${limits.tenantPerSecond}/s`, res, now);
      return true;
    }
    if (key) {
      const sent = this.sendsIn.get(key) ?? [];
      for (const window of limits.conversation) {
        const inWindow = sent.filter((t) => t > now - window.ms);
        if (inWindow.length < window.max) continue;
        const wait = inWindow[inWindow.length - window.max] + window.ms - now;
        this.refuse(call, key, 429, wait, `${window.max}/${window.ms}ms`, res, now);
        return true;
      }
      sent.push(now);
      this.sendsIn.set(
        key,
        sent.filter((t) => t > now - 3_600_000),
      );
    }
    this.callTimes.push(now);
    if (this.callTimes.length > 10 * limits.tenantPerSecond)
      this.callTimes.splice(0, this.callTimes.length - limits.tenantPerSecond);
    return false;
  }

  /** Answers `status` with a Retry-After (whole seconds, at least `waitMs`) and asks for quiet until then. */
  private refuse(
    call: { method: string; path: string },
    quietKey: string,
    status: number,
    waitMs: number,
    limit: string,
    res: ServerResponse,
    now = Date.now(),
  ): void {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    this.askQuiet(call, quietKey, seconds, limit, now);
    res.writeHead(status, { 'content-type': 'application/json', 'retry-after': String(seconds) });
    res.end(JSON.stringify({ error: { code: 'TooManyRequests', message: 'Too many requests.' } }));
  }

  private askQuiet(
    call: { method: string; path: string },
    quietKey: string,
    seconds: number,
    limit: string,
    now = Date.now(),
  ) {
    this.quietUntil.set(quietKey, Math.max(now + seconds * 1000, this.quietUntil.get(quietKey) ?? 0));
    this.throttled.push({
      at: now,
      key: quietKey || 'tenant',
      method: call.method,
      path: call.path,
      retryAfterMs: seconds * 1000,
      limit,
    });
  }

  private nextId(): string {
    return String(++this.counter);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = Date.now(); // as Teams counts: when the call arrives, not when its body has been read
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
    const key = sendKeyOf(method, parts, body);
    if (this.throttles(base, key, res, arrived)) return;
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
      // A throttled answer with a Retry-After asks for quiet: a send before it has passed is an early post.
      if (fault.retryAfterSeconds > 0 && (fault.status === 429 || fault.status === 503))
        this.askQuiet(base, key ?? '', fault.retryAfterSeconds, `injected ${fault.status}`, arrived);
      res.writeHead(fault.status, {
        'content-type': 'application/json',
        'retry-after': String(fault.retryAfterSeconds),
      });
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

/**
 * The conversation a call sends into, as Teams counts it (the limits are per thread; a channel's threads are
 * counted as the channel, the safe reading): a new thread in a channel, a message, reply, update or delete
 * in a conversation. Undefined for reads and for opening a 1:1 chat.
 */
export function sendKeyOf(method: string, parts: string[], body: any): string | undefined {
  if (parts[0] !== 'v3' || parts[1] !== 'conversations') return undefined;
  if (method === 'POST' && parts.length === 2) {
    const channel: unknown = body?.channelData?.channel?.id;
    return typeof channel === 'string' ? channel.split(';')[0] : undefined;
  }
  if (parts[3] === 'activities' && method !== 'GET') return parts[2].split(';')[0];
  return undefined;
}
