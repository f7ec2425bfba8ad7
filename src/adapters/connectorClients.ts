import type http from 'node:http';
// botbuilder's own dependency (same pinned version).
import { ConnectorFactory } from 'botframework-connector';
import type { ConnectorClient } from 'botframework-connector';
import { isTrustedServiceUrl, ServiceUrlPolicy } from '../domain/channelTrust';
import { UntrustedServiceUrlError } from '../ports/chat';
import { recentConnectionAgents } from './recentConnections';

/** Clients kept at most; Teams has a few service URLs per region and cloud. */
const CLIENTS_KEPT = 64;

/**
 * What every turn shares: the connector clients, one per service URL and identity, and the connections new
 * messages go out on. botbuilder's CloudAdapter builds a new client (its pipeline of a dozen policies, its
 * credentials) on every turn and every proactive post, which was a seventh of a `help` turn; its older
 * BotFrameworkAdapter kept them the same way. A client holds no state of a conversation: its credentials
 * cache the bot's token, which is what they are for.
 */
export class ConnectorClients {
  readonly postConnections = recentConnectionAgents();
  private readonly clients = new Map<string, Promise<ConnectorClient>>();

  /** The client for `key` (undefined: never kept), made by `make` the first time. */
  get(key: string | undefined, make: () => Promise<ConnectorClient>): Promise<ConnectorClient> {
    if (key === undefined) return make();
    let client = this.clients.get(key);
    if (!client) {
      if (this.clients.size >= CLIENTS_KEPT) this.clients.delete(this.clients.keys().next().value!);
      client = make();
      this.clients.set(key, client);
      client.catch(() => this.clients.delete(key)); // a credential that failed is asked again next time
    }
    return client;
  }
}

/** Creates connector clients for trusted service URLs only; anything else is refused before a byte is sent. */
export class TrustedConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly policy: ServiceUrlPolicy,
    private readonly shared: ConnectorClients,
  ) {
    super();
  }

  async create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    if (!isTrustedServiceUrl(serviceUrl, this.policy)) throw new UntrustedServiceUrlError();
    return this.shared.get(keyOf(this.inner, serviceUrl, audience), async () => {
      const client = await this.inner.create(serviceUrl, audience);
      atMostOnce(
        (client as unknown as { client?: { pipeline?: Pipeline } }).client?.pipeline,
        this.shared.postConnections,
      );
      return client;
    });
  }
}

/**
 * Everything botbuilder's ConnectorFactoryImpl makes a client from besides the shared credential factory:
 * the bot's app id, the scope or audience, the login endpoint, the authority check, and the service URL.
 * Another kind of factory (none today) gets a client of its own every time.
 */
function keyOf(inner: ConnectorFactory, serviceUrl: string, audience?: string): string | undefined {
  const made = inner as unknown as {
    appId?: string;
    toChannelFromBotOAuthScope?: string;
    loginEndpoint?: string;
    validateAuthority?: boolean;
    credentialFactory?: unknown;
  };
  if (inner.constructor.name !== 'ConnectorFactoryImpl' || !made.credentialFactory) return undefined;
  return JSON.stringify([
    made.appId ?? '',
    audience ?? made.toChannelFromBotOAuthScope ?? '',
    made.loginEndpoint ?? '',
    made.validateAuthority ?? null,
    serviceUrl,
  ]);
}

type PostConnections = { http: http.Agent; https: http.Agent };

/** The part of @azure/core-rest-pipeline's pipeline the connector client exposes (botbuilder's own copy). */
interface Pipeline {
  removePolicy(options: { name: string }): unknown;
  addPolicy(policy: RetryPolicy, options?: { phase?: 'Retry' }): void;
}
/** The parts of a pipeline request the policy reads or sets (`agent`: Node only, honoured by its HTTP client). */
interface OutgoingRequest {
  method: string;
  url: string;
  agent?: http.Agent;
}
interface RetryPolicy {
  name: string;
  sendRequest(
    request: OutgoingRequest,
    next: (
      request: OutgoingRequest,
    ) => Promise<{ status: number; headers: { get(name: string): string | undefined } }>,
  ): Promise<{ status: number; headers: { get(name: string): string | undefined } }>;
}

const RETRIES = 3;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
/** Network failures before the request was sent: nothing reached Teams. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The connector client's default retry policy sends a POST again after a reset, a timeout or a 5xx, when
 * Teams may well have created the message already: a duplicate the user sees. Instead: a new message is
 * sent again only when Teams certainly did not take it (429 throttled, 503 unavailable, or no connection
 * at all); updates, deletes and reads (idempotent) are retried on any transient failure. And no redirects:
 * the Bot Connector has no reason to send the bot, with its token, anywhere else.
 */
const AT_MOST_ONCE_POLICY = 'rootmailAtMostOnceRetryPolicy';
const ADJUSTED = Symbol('rootmail.atMostOnce');

function atMostOnce(pipeline: Pipeline | undefined, postConnections: PostConnections): void {
  // Marked rather than looked up: ordering the policies to find ours cost as much as the rest of this.
  if (!pipeline || (pipeline as { [ADJUSTED]?: true })[ADJUSTED]) return;
  (pipeline as { [ADJUSTED]?: true })[ADJUSTED] = true;
  pipeline.removePolicy({ name: 'defaultRetryPolicy' });
  pipeline.removePolicy({ name: 'exponentialRetryPolicy' });
  pipeline.removePolicy({ name: 'redirectPolicy' });
  // A new message never goes over a pooled connection the server may be closing as idle: that reset is not
  // retried, so the message would be lost. It goes over one used moments ago, or a new one (recentConnections.ts;
  // a new connection per message cost a TCP and TLS handshake each, and most of a turn's time here). Updates
  // and reads keep the client's own pool: they are retried on a reset.
  pipeline.addPolicy(
    {
      name: AT_MOST_ONCE_POLICY,
      async sendRequest(request, next) {
        const idempotent = IDEMPOTENT.has(request.method.toUpperCase());
        if (!idempotent)
          request.agent ??= request.url.startsWith('https:') ? postConnections.https : postConnections.http;
        for (let attempt = 0; ; attempt++) {
          let response;
          try {
            response = await next(request);
          } catch (err) {
            const code = (err as { code?: string }).code ?? '';
            if (attempt >= RETRIES || !(idempotent || NOT_SENT.has(code))) throw err;
            await pause(backoffMs(attempt));
            continue;
          }
          const { status } = response;
          const retry = status === 429 || status === 503 || (idempotent && (status === 408 || status >= 500));
          if (attempt >= RETRIES || !retry) return response;
          await pause(backoffMs(attempt, response.headers.get('retry-after')));
        }
      },
    },
    { phase: 'Retry' },
  );
}

function backoffMs(attempt: number, retryAfter?: string): number {
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 30) * 1000;
  return 400 * 2 ** attempt * (0.8 + Math.random() * 0.4);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
