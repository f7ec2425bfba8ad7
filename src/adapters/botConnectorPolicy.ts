import type http from 'node:http';
import type { ChatPacing } from '../ports/chat';

/** The part of @azure/core-rest-pipeline's pipeline the connector client exposes (botbuilder's own copy). */
export interface Pipeline {
  removePolicy(options: { name: string }): unknown;
  addPolicy(policy: OutboundPolicy, options?: { phase?: 'Retry' }): void;
}
/** The parts of a pipeline request the policy reads or sets (`agent`: Node only, honoured by its HTTP client). */
interface OutgoingRequest {
  method: string;
  url: string;
  body?: unknown;
  agent?: http.Agent;
}
interface Answer {
  status: number;
  headers: { get(name: string): string | undefined };
}
interface OutboundPolicy {
  name: string;
  sendRequest(request: OutgoingRequest, next: (request: OutgoingRequest) => Promise<Answer>): Promise<Answer>;
}

const POLICY = 'rootmailOutboundPolicy';
const ADJUSTED = Symbol('rootmail.outboundPolicy');
/** Attempts after the first, for a throttled call or an idempotent call that failed on the way. */
const RETRIES = 3;
/** A Retry-After longer than this is not waited out within one call: the caller is told Teams is busy. */
const MAX_WAIT_MS = 60_000;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
/** Network failures before the request was sent: nothing reached Teams. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The one policy every call to the Bot Connector passes (replies within a turn, proactive posts, new
 * threads, card updates, member look-ups), replacing the client's own retry and redirect policies:
 *  - paced: each call waits for `pacing` (Teams' per-conversation and per-tenant limits, shared by all
 *    instances), so Teams need not throttle;
 *  - a 429 or 503 is waited out, at least its Retry-After plus jitter, and told to `pacing` so that nothing
 *    else goes into that conversation meanwhile, from any instance; at most RETRIES times;
 *  - at most once: the client's default policy sends a POST again after a reset, a timeout or a 5xx, when Teams
 *    may well have created the message already — a duplicate the user sees. A new message is sent again only
 *    when Teams certainly did not take it (429, 503, or no connection at all); updates, deletes and reads
 *    (idempotent) are retried on any transient failure;
 *  - no redirects: the Bot Connector has no reason to send the bot, with its token, anywhere else.
 */
export function useOutboundPolicy(
  pipeline: Pipeline | undefined,
  pacing: ChatPacing,
  postConnections: { http: http.Agent; https: http.Agent },
): void {
  // Marked rather than looked up: ordering the policies to find ours cost as much as the rest of this.
  if (!pipeline || (pipeline as { [ADJUSTED]?: true })[ADJUSTED]) return;
  (pipeline as { [ADJUSTED]?: true })[ADJUSTED] = true;
  pipeline.removePolicy({ name: 'defaultRetryPolicy' });
  pipeline.removePolicy({ name: 'exponentialRetryPolicy' });
  pipeline.removePolicy({ name: 'throttlingRetryPolicy' });
  pipeline.removePolicy({ name: 'redirectPolicy' });
  // A new message never goes over a pooled connection the server may be closing as idle: that reset is not
  // retried, so the message would be lost. It goes over one used moments ago, or a new one (recentConnections.ts;
  // a new connection per message cost a TCP and TLS handshake each, and most of a turn's time here). Updates
  // and reads keep the client's own pool: they are retried on a reset.
  pipeline.addPolicy(
    {
      name: POLICY,
      async sendRequest(request, next) {
        const idempotent = IDEMPOTENT.has(request.method.toUpperCase());
        if (!idempotent)
          request.agent ??= request.url.startsWith('https:') ? postConnections.https : postConnections.http;
        const conversation = conversationOf(request);
        for (let attempt = 0; ; attempt++) {
          await pacing.beforeSend(conversation);
          let response: Answer;
          try {
            response = await next(request);
          } catch (err) {
            const code = (err as { code?: string }).code ?? '';
            if (attempt >= RETRIES || !(idempotent || NOT_SENT.has(code))) throw err;
            await pause(backoffMs(attempt));
            continue;
          }
          const { status } = response;
          if (status === 429 || status === 503) {
            const asked = retryAfterMs(response.headers.get('retry-after'));
            const waitMs = withJitter(asked ?? backoffMs(attempt));
            await pacing.throttled(conversation, waitMs);
            if (attempt >= RETRIES || waitMs > MAX_WAIT_MS) return response;
            continue; // beforeSend waits until the block has passed
          }
          if (idempotent && (status === 408 || status >= 500) && attempt < RETRIES) {
            await pause(backoffMs(attempt));
            continue;
          }
          return response;
        }
      },
    },
    { phase: 'Retry' },
  );
}

/**
 * The conversation a call sends into, as Teams counts its limits: a new thread in a channel, or a message,
 * reply, update or delete in a conversation. Teams states its limits per thread; a channel's threads are
 * counted as the channel, the safe reading (a card update and a new card in one channel share a budget).
 * Undefined for reads and for opening a 1:1 chat (they count towards the tenant only).
 */
export function conversationOf(
  request: Pick<OutgoingRequest, 'method' | 'url' | 'body'>,
): string | undefined {
  const method = request.method.toUpperCase();
  const path = new URL(request.url).pathname;
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const at = parts.indexOf('conversations');
  if (at < 0 || parts[at - 1] !== 'v3') return undefined;
  const rest = parts.slice(at + 1);
  if (method === 'POST' && rest.length === 0) {
    const channel = bodyOf(request.body)?.channelData?.channel?.id;
    return typeof channel === 'string' ? channel.split(';')[0] : undefined;
  }
  if (rest[1] === 'activities' && method !== 'GET') return rest[0].split(';')[0];
  return undefined;
}

function bodyOf(body: unknown): { channelData?: { channel?: { id?: unknown } } } | undefined {
  if (typeof body !== 'string') return typeof body === 'object' && body ? (body as never) : undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Retry-After in seconds (or an HTTP date), as milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** At least `ms`, plus up to a fifth more (and a quarter second), so that waiting callers do not all come back at once. */
function withJitter(ms: number): number {
  return Math.ceil(ms * (1 + Math.random() * 0.2) + Math.random() * 250);
}

function backoffMs(attempt: number): number {
  return 400 * 2 ** attempt * (0.8 + Math.random() * 0.4);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
