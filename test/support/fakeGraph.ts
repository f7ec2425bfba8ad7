import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GraphCall {
  method: string;
  /** Path after the version, e.g. /users/x/manager */
  path: string;
  query: URLSearchParams;
  body: any;
  authorization?: string;
  /** The ConsistencyLevel header, as advanced directory queries send it. */
  consistencyLevel?: string;
}

export interface GraphReply {
  status?: number;
  body?: unknown;
  /** Sent as is (e.g. raw MIME for $value) with this content type. */
  text?: string;
  contentType?: string;
}

type Handler = (call: GraphCall, match: RegExpExecArray) => GraphReply | Promise<GraphReply>;

/** A mailbox request Graph throttled, as Exchange Online does (429 ApplicationThrottled with a Retry-After). */
export interface ThrottledMailboxRequest {
  at: number;
  mailbox: string;
  path: string;
  /** Which limit: MailboxConcurrency (4 at once) or the app's requests per 10 minutes. */
  limit: 'MailboxConcurrency' | 'RequestsPer10Minutes';
}

/** Outlook's published limits per app and mailbox: 4 concurrent requests, 10,000 requests in 10 minutes. */
export const OUTLOOK_MAILBOX_LIMITS = { concurrency: 4, perTenMinutes: 10_000, retryAfterSeconds: 1 };

/**
 * A loopback stand-in for Microsoft Graph (which cannot run here). Features register the routes they need;
 * every call is recorded. Unregistered routes answer 404 the way Graph does.
 */
export class FakeGraph {
  readonly calls: GraphCall[] = [];
  private readonly routes: { method: string; pattern: RegExp; handler: Handler }[] = [];
  /** Added to every answer (benches: Graph's real latency). */
  latencyMs = 0;
  /** Set by enforceMailboxLimits(): requests to a mailbox beyond Outlook's limits are answered 429. */
  private mailboxLimits?: typeof OUTLOOK_MAILBOX_LIMITS;
  private readonly inFlight = new Map<string, number>();
  private readonly served = new Map<string, number[]>();
  /** Requests to a mailbox (messages, folders, delta) that reached Graph, throttled or not. */
  mailboxRequests = 0;
  /** The mailbox requests answered 429. */
  readonly throttled: ThrottledMailboxRequest[] = [];
  /** The most requests one mailbox had in flight at once. */
  peakConcurrency = 0;
  /** Mailbox requests that came before the Retry-After Graph had given for the mailbox had passed. */
  readonly earlyRequests: {
    at: number;
    mailbox: string;
    path: string;
    quietUntil: number;
    /** Since the 429 that asked for quiet (ms). */
    sinceThrottle: number;
  }[] = [];
  private readonly quietUntil = new Map<string, number>();
  private readonly quietSince = new Map<string, number>();
  private forcedThrottles = { times: 0, retryAfterSeconds: 1 };

  /** The next `times` mailbox requests are answered 429 ApplicationThrottled with this Retry-After. */
  throttleNextMailboxRequests(times: number, retryAfterSeconds: number): void {
    this.forcedThrottles = { times, retryAfterSeconds };
  }

  /**
   * From now on Outlook's limits apply per mailbox, as Exchange Online enforces them for an app: a request
   * that would be the fifth in flight on a mailbox, or beyond 10,000 in 10 minutes, is answered 429
   * ApplicationThrottled with a Retry-After, and not served.
   */
  enforceMailboxLimits(limits = OUTLOOK_MAILBOX_LIMITS): void {
    this.mailboxLimits = limits;
  }
  private server?: http.Server;
  /** Base URL with version, for GRAPH_BASE_URL. */
  baseUrl = '';

  on(method: string, pattern: RegExp, handler: Handler): this {
    this.routes.unshift({ method, pattern, handler }); // later registrations win
    return this;
  }

  /** Directory data for /users/{id} and /users/{id}/manager. */
  addUser(user: { id: string; displayName: string; userPrincipalName: string; managerId?: string }): this {
    const users = (this.directory ??= new Map());
    users.set(user.id.toLowerCase(), user);
    users.set(user.userPrincipalName.toLowerCase(), user);
    return this;
  }
  /** User id → Teams app catalog ids installed for them through POST /users/{id}/teamwork/installedApps. */
  readonly installedApps = new Map<string, Set<string>>();
  /** Called after an installation, e.g. to let the fake Bot Connector open a 1:1 chat from then on. */
  onAppInstalled?: (userId: string, teamsAppId: string) => void;
  private directory?: Map<
    string,
    { id: string; displayName: string; userPrincipalName: string; managerId?: string }
  >;

  async start(): Promise<string> {
    this.on('GET', /^\/users\/([^/]+)$/, (_c, m) => {
      const u = this.directory?.get(decodeURIComponent(m[1]).toLowerCase());
      return u ? { body: strip(u) } : notFound();
    });
    this.on('GET', /^\/users\/([^/]+)\/manager$/, (_c, m) => {
      const u = this.directory?.get(decodeURIComponent(m[1]).toLowerCase());
      const manager = u?.managerId ? this.directory?.get(u.managerId.toLowerCase()) : undefined;
      return manager ? { body: { '@odata.type': '#microsoft.graph.user', ...strip(manager) } } : notFound();
    });
    // People search as GraphDirectory.findUsers asks: startswith(field,'prefix') terms joined by `or`.
    this.on('GET', /^\/users$/, (call) => {
      const prefixes = [
        ...(call.query.get('$filter') ?? '').matchAll(/startswith\((\w+),'((?:[^']|'')*)'\)/g),
      ].map(([, field, value]) => ({ field, value: value.replace(/''/g, "'").toLowerCase() }));
      const people = [...new Set(this.directory?.values() ?? [])];
      const fieldOf = (u: (typeof people)[number], field: string) => {
        const [given, ...rest] = u.displayName.split(' ');
        const values: Record<string, string> = {
          displayName: u.displayName,
          givenName: given,
          surname: rest.join(' '),
          userPrincipalName: u.userPrincipalName,
          mail: u.userPrincipalName,
        };
        return (values[field] ?? '').toLowerCase();
      };
      const found = people.filter((u) => prefixes.some((p) => fieldOf(u, p.field).startsWith(p.value)));
      return { body: { value: found.slice(0, Number(call.query.get('$top') ?? 100)).map(strip) } };
    });
    // Installing the Teams app for a user (INSTALL_APP_FOR_APPROVERS): 201, or 409 when already there.
    this.on('POST', /^\/users\/([^/]+)\/teamwork\/installedApps$/, (call, m) => {
      const user = decodeURIComponent(m[1]).toLowerCase();
      const app =
        String(call.body?.['teamsApp@odata.bind'] ?? '')
          .split('/')
          .pop() ?? '';
      const apps = this.installedApps.get(user) ?? new Set<string>();
      if (apps.has(app))
        return { status: 409, body: { error: { code: 'Conflict', message: 'already installed' } } };
      apps.add(app);
      this.installedApps.set(user, apps);
      this.onAppInstalled?.(user, app);
      return { status: 201 };
    });
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1.0`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /**
   * Counts a mailbox request in flight until it is answered, or answers 429 when it breaks Outlook's limits,
   * comes before a Retry-After given for the mailbox has passed (an early request, recorded), or is forced to.
   */
  private throttledByMailbox(mailbox: string, req: IncomingMessage, res: ServerResponse): boolean {
    this.mailboxRequests++;
    const limits = this.mailboxLimits;
    const now = Date.now();
    const inFlight = this.inFlight.get(mailbox) ?? 0;
    const recent = (this.served.get(mailbox) ?? []).filter((t) => t > now - 600_000);
    const quietUntil = this.quietUntil.get(mailbox) ?? 0;
    if (now < quietUntil)
      this.earlyRequests.push({
        at: now,
        mailbox,
        path: req.url ?? '',
        quietUntil,
        sinceThrottle: now - (this.quietSince.get(mailbox) ?? now),
      });
    const forced = this.forcedThrottles.times > 0;
    const limit =
      now < quietUntil || forced || (limits && inFlight >= limits.concurrency)
        ? 'MailboxConcurrency'
        : limits && recent.length >= limits.perTenMinutes
          ? 'RequestsPer10Minutes'
          : undefined;
    if (limit) {
      const seconds = forced
        ? this.forcedThrottles.retryAfterSeconds
        : Math.max(1, Math.ceil((quietUntil - now) / 1000), limits?.retryAfterSeconds ?? 1);
      if (forced) this.forcedThrottles.times--;
      if (now >= quietUntil) this.quietSince.set(mailbox, now);
      this.quietUntil.set(mailbox, Math.max(quietUntil, now + seconds * 1000));
      this.throttled.push({ at: now, mailbox, path: req.url ?? '', limit });
      req.resume();
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(seconds) });
      res.end(
        JSON.stringify({
          error: {
            code: 'ApplicationThrottled',
            message:
              limit === 'MailboxConcurrency'
                ? 'Application is over its MailboxConcurrency limit.'
                : 'Application is over its request limit for this mailbox.',
          },
        }),
      );
      return true;
    }
    this.inFlight.set(mailbox, inFlight + 1);
    this.peakConcurrency = Math.max(this.peakConcurrency, inFlight + 1);
    this.served.set(mailbox, [...recent, now]);
    let counted = true;
    const finished = () => {
      if (!counted) return;
      counted = false;
      this.inFlight.set(mailbox, (this.inFlight.get(mailbox) ?? 1) - 1);
    };
    res.on('finish', finished);
    res.on('close', finished);
    return false;
  }

  of(method: string, pathPattern: RegExp): GraphCall[] {
    return this.calls.filter((c) => c.method === method && pathPattern.test(c.path));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const mailbox = mailboxOf(new URL(req.url ?? '/', 'http://x').pathname);
    if (mailbox && this.throttledByMailbox(mailbox, req, res)) return;
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs)); // a slow remote service
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/^\/v1\.0|^\/beta/, '');
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      /* keep text */
    }
    const call: GraphCall = {
      method: req.method ?? 'GET',
      path,
      query: url.searchParams,
      body,
      authorization: req.headers.authorization,
      consistencyLevel: req.headers.consistencylevel as string | undefined,
    };
    this.calls.push(call);
    for (const route of this.routes) {
      const match = route.method === call.method ? route.pattern.exec(path) : null;
      if (!match) continue;
      const reply = await route.handler(call, match);
      if (reply.text !== undefined) {
        res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'text/plain' });
        res.end(reply.text);
      } else if (reply.body === undefined) {
        res.writeHead(reply.status ?? 200); // Graph sends no content type with an empty body (e.g. 201, 204)
        res.end();
      } else {
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.body));
      }
      return;
    }
    const nf = notFound();
    res.writeHead(nf.status!, { 'content-type': 'application/json' });
    res.end(JSON.stringify(nf.body));
  }
}

/** The mailbox a request reads (`/users/{mailbox}/messages…` or `/mailFolders…`), lower-cased; else undefined. */
function mailboxOf(pathname: string): string | undefined {
  const match = /^\/(?:v1\.0|beta)\/users\/([^/]+)\/(?:messages|mailFolders)/i.exec(pathname);
  return match ? decodeURIComponent(match[1]).toLowerCase() : undefined;
}

export function notFound(): GraphReply {
  return {
    status: 404,
    body: { error: { code: 'Request_ResourceNotFound', message: 'Resource does not exist.' } },
  };
}

function strip(u: { id: string; displayName: string; userPrincipalName: string }) {
  return {
    id: u.id,
    displayName: u.displayName,
    userPrincipalName: u.userPrincipalName,
    mail: u.userPrincipalName,
  };
}
