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

/**
 * A loopback stand-in for Microsoft Graph (which cannot run here). Features register the routes they need;
 * every call is recorded. Unregistered routes answer 404 the way Graph does.
 */
export class FakeGraph {
  readonly calls: GraphCall[] = [];
  private readonly routes: { method: string; pattern: RegExp; handler: Handler }[] = [];
  /** Added to every answer (benches: Graph's real latency). */
  latencyMs = 0;
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

  of(method: string, pathPattern: RegExp): GraphCall[] {
    return this.calls.filter((c) => c.method === method && pathPattern.test(c.path));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
