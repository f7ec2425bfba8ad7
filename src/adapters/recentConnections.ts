import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';

/** The longest a pooled connection may have been idle and still carry a new message. */
const MAX_IDLE_MS = 1_000;

const FREED_AT = Symbol('rootmail.freedAt');
const MAY_IDLE_MS = Symbol('rootmail.mayIdleMs');

interface Pooled extends Duplex {
  [FREED_AT]?: number;
  [MAY_IDLE_MS]?: number;
  _httpMessage?: { res?: http.IncomingMessage };
}

type AddRequest = (this: http.Agent, ...args: unknown[]) => void;

/**
 * Keep-alive connections for new messages (POSTs to the Bot Connector), reused only while they were in use
 * moments ago. A server closes a connection that stayed idle for its keep-alive timeout; a POST written on it
 * just then is reset, and a POST is never sent again (Teams may have taken it), so the message would be lost.
 * A connection freed less than a second ago — and less than half the keep-alive timeout the server announces
 * (`Keep-Alive: timeout=N`) — cannot be the one the server is closing; an older one is closed here, at the
 * moment a request would take it (timers can run late on a busy process, this check cannot), and the request
 * gets a new connection. A turn's reply thus reuses the connection of the turn before instead of opening one
 * (a TCP and TLS handshake per message), and idle connections are never trusted with a message.
 */
export function recentConnectionAgents(): { http: http.Agent; https: http.Agent } {
  // lifo (Node's default, said here because closeStale relies on it): a request takes the newest connection.
  const options = { keepAlive: true, scheduling: 'lifo' as const };
  return { http: new RecentHttpAgent(options), https: new RecentHttpsAgent(options) };
}

// A mixin's base must take any arguments (TypeScript's rule for mixins); both agents take their options.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AgentClass = new (...args: any[]) => http.Agent;

/** The agent class, handing out only recently used connections (see recentConnectionAgents). */
function recentOnly<T extends AgentClass>(Base: T) {
  const addRequest = (Base.prototype as unknown as { addRequest: AddRequest }).addRequest;
  return class extends Base {
    override keepSocketAlive(socket: Duplex): boolean {
      noteFreed(socket as Pooled);
      return super.keepSocketAlive(socket) as unknown as boolean;
    }

    /** Node's agent hands a pooled connection to a request here. */
    addRequest(...args: unknown[]): void {
      closeStale(this);
      addRequest.apply(this, args);
    }
  };
}

const RecentHttpAgent = recentOnly(http.Agent);
const RecentHttpsAgent = recentOnly(https.Agent as AgentClass);

function noteFreed(socket: Pooled): void {
  socket[FREED_AT] = performance.now();
  const hint = /^timeout=(\d+)/.exec(String(socket._httpMessage?.res?.headers['keep-alive'] ?? ''))?.[1];
  socket[MAY_IDLE_MS] = hint ? Math.min(MAX_IDLE_MS, (Number(hint) * 1000) / 2) : MAX_IDLE_MS;
}

/**
 * Closes the free connections of every pool whose newest one — the one a request takes — has been idle for
 * longer than it may be: the others were freed before it. A pool whose newest is fresh is left as it is, so
 * this costs one look per pool.
 */
function closeStale(agent: http.Agent): void {
  const now = performance.now();
  for (const name in agent.freeSockets) {
    const free = agent.freeSockets[name] as unknown as Pooled[] | undefined;
    const newest = free?.[free.length - 1];
    if (!free || !newest) continue;
    if (now - (newest[FREED_AT] ?? 0) <= (newest[MAY_IDLE_MS] ?? MAX_IDLE_MS)) continue;
    for (const socket of free.splice(0)) socket.destroy();
  }
}
