import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';

/** The request some piece of code runs for, as the process guard reports it. */
export interface RequestInFlight {
  method: string;
  /** The path without the query (which may carry a secret, e.g. Graph's validationToken). */
  path: string;
  res: ServerResponse;
}

/**
 * Which request the code running now serves, across callbacks, timers and promises (AsyncLocalStorage): an
 * error thrown out of a stream or a callback, far from any try/catch, can still be traced to the one request
 * it belongs to, answered and forgotten, instead of ending the process (src/main/processGuard.ts).
 */
export class RequestScope {
  private readonly storage = new AsyncLocalStorage<RequestInFlight>();

  current(): RequestInFlight | undefined {
    return this.storage.getStore();
  }

  /** Runs the server's request listeners (restify's among them) inside the scope of their request. */
  enclose(server: HttpServer): void {
    for (const event of ['request', 'checkContinue'] as const) {
      const listeners = server.listeners(event) as ((req: IncomingMessage, res: ServerResponse) => void)[];
      if (listeners.length === 0) continue; // Node then answers 100 Continue itself
      server.removeAllListeners(event);
      server.on(event, (req: IncomingMessage, res: ServerResponse) =>
        this.storage.run({ method: String(req.method).slice(0, 16), path: pathOf(req.url), res }, () => {
          for (const listener of listeners) listener.call(server, req, res);
        }),
      );
    }
  }
}

function pathOf(url: string | undefined): string {
  return String(url ?? '')
    .split('?')[0]
    .slice(0, 200);
}
