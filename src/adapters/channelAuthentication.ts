import http from 'node:http';
import https from 'node:https';
import {
  Activity,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationBotFrameworkAuthenticationOptions,
} from 'botbuilder';
// botbuilder's own dependency (same pinned version): CloudAdapter answers 401 only for this class.
import {
  AuthenticateRequestResult,
  AuthenticationError,
  ClaimsIdentity,
  ConnectorFactory,
} from 'botframework-connector';
import type { ConnectorClient } from 'botframework-connector';
import { isTrustedServiceUrl, ServiceUrlPolicy } from '../domain/channelTrust';
import { UntrustedServiceUrlError } from '../ports/chat';

/** Errors of the JWT library botbuilder uses when a token's signature or dates do not check out. */
const REJECTED_TOKEN = new Set(['JsonWebTokenError', 'NotBeforeError', 'TokenExpiredError']);

/**
 * Bot Framework authentication as configured, with these additions:
 *  - every Bot Connector client it hands out (replies within a turn, proactive posts, new threads, card
 *    updates, member look-ups) is for a trusted service URL only: the one place outbound calls are checked,
 *    so neither an activity nor a stored conversation reference can point the bot (and its token) elsewhere;
 *  - those clients never send a new message twice on their own (see atMostOnce);
 *  - a token with a forged signature is answered 401 like every other bad token: botbuilder lets the JWT
 *    library's error through, and CloudAdapter then answers 500, which reads as our fault and hides an attack;
 *  - a token must expire: one without `exp` would be good forever, and botbuilder accepts it (the API refuses
 *    such tokens too, see src/http/apiAuth.ts).
 */
export class ChannelAuthentication extends ConfigurationBotFrameworkAuthentication {
  constructor(
    options: ConfigurationBotFrameworkAuthenticationOptions,
    private readonly serviceUrls: ServiceUrlPolicy,
  ) {
    super(options);
  }

  override async authenticateRequest(activity: Activity, authHeader: string) {
    try {
      return this.guarded(await super.authenticateRequest(activity, authHeader));
    } catch (err) {
      throw asAuthenticationError(err);
    }
  }

  override async authenticateStreamingRequest(authHeader: string, channelIdHeader: string) {
    try {
      return this.guarded(await super.authenticateStreamingRequest(authHeader, channelIdHeader));
    } catch (err) {
      throw asAuthenticationError(err);
    }
  }

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return new TrustedConnectorFactory(super.createConnectorFactory(claimsIdentity), this.serviceUrls);
  }

  private guarded(result: AuthenticateRequestResult): AuthenticateRequestResult {
    // A validated token always names its audience; an anonymous local run has no token at all.
    const identity = result.claimsIdentity;
    if (identity?.getClaimValue('aud') != null && identity.getClaimValue('exp') == null)
      throw new AuthenticationError(
        'Unauthorized. The token has no "exp" claim: it would be good forever.',
        401,
      );
    return result.connectorFactory
      ? {
          ...result,
          connectorFactory: new TrustedConnectorFactory(result.connectorFactory, this.serviceUrls),
        }
      : result;
  }
}

/** Creates connector clients for trusted service URLs only; anything else is refused before a byte is sent. */
class TrustedConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly policy: ServiceUrlPolicy,
  ) {
    super();
  }

  async create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    if (!isTrustedServiceUrl(serviceUrl, this.policy)) throw new UntrustedServiceUrlError();
    const client = await this.inner.create(serviceUrl, audience);
    atMostOnce((client as unknown as { client?: { pipeline?: Pipeline } }).client?.pipeline);
    return client;
  }
}

/** The part of @azure/core-rest-pipeline's pipeline the connector client exposes (botbuilder's own copy). */
interface Pipeline {
  getOrderedPolicies(): { name: string }[];
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

function atMostOnce(pipeline: Pipeline | undefined): void {
  if (!pipeline || pipeline.getOrderedPolicies().some((p) => p.name === AT_MOST_ONCE_POLICY)) return;
  pipeline.removePolicy({ name: 'defaultRetryPolicy' });
  pipeline.removePolicy({ name: 'exponentialRetryPolicy' });
  pipeline.removePolicy({ name: 'redirectPolicy' });
  // A new message goes out on a connection of its own. On a pooled one, the server may close it as idle
  // just as the POST is written (more likely while this process is busy); that reset is not retried, so
  // the message would be lost. A fresh connection costs a handshake; posts are few (Teams limits them per
  // conversation anyway). Updates and reads keep the pool: they are retried on a reset.
  const fresh = { http: new http.Agent({ keepAlive: false }), https: new https.Agent({ keepAlive: false }) };
  pipeline.addPolicy(
    {
      name: AT_MOST_ONCE_POLICY,
      async sendRequest(request, next) {
        const idempotent = IDEMPOTENT.has(request.method.toUpperCase());
        if (!idempotent) request.agent ??= request.url.startsWith('https:') ? fresh.https : fresh.http;
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

function asAuthenticationError(err: unknown): unknown {
  if (err instanceof Error && REJECTED_TOKEN.has(err.name)) {
    return new AuthenticationError(`Unauthorized. ${err.message}`, 401);
  }
  return err;
}
