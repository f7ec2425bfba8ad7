import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  Middleware,
  RetryHandler,
  RetryHandlerOptions,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { DefaultAzureCredential, TokenCredential } from '@azure/identity';
import type { AppConfig } from '../config';
import { DependencyUnavailableError, ThrottledError } from '../ports/errors';

/**
 * Microsoft Graph over @microsoft/microsoft-graph-client, shared by the directory and mailbox adapters.
 * GRAPH_BASE_URL picks the host and version; a plain-http loopback base URL is a local fake and is called
 * without a token (see shared/STACK.md, gotcha 8).
 */
export class GraphApi {
  readonly client: Client;
  private readonly base: string;

  constructor(graph: AppConfig['graph'], credential?: TokenCredential) {
    const url = new URL(graph.baseUrl);
    const segments = url.pathname.split('/').filter(Boolean);
    const version = segments.pop() ?? 'v1.0';
    const host = `${url.origin}/${segments.join('/')}`.replace(/\/+$/, '');
    this.base = `${host}/${version}`;

    const chain: Middleware[] = [];
    if (!graph.isLoopbackFake) {
      const tokenCredential =
        credential ??
        new DefaultAzureCredential(graph.clientId ? { managedIdentityClientId: graph.clientId } : {});
      chain.push(
        new AuthenticationHandler(
          new TokenCredentialAuthenticationProvider(tokenCredential, {
            scopes: ['https://graph.microsoft.com/.default'],
          }),
        ),
      );
    }
    chain.push(new RetryHandler(new RetryHandlerOptions(1, 2)));
    chain.push(new HTTPMessageHandler());
    for (let i = 0; i < chain.length - 1; i++) chain[i].setNext!(chain[i + 1]);
    this.client = Client.initWithMiddleware({ middleware: chain[0], baseUrl: host, defaultVersion: version });
  }

  /** Turns an absolute @odata.nextLink / deltaLink into a path the client accepts (it mangles http:// links). */
  relative(link: string): string {
    return link.startsWith(this.base) ? link.slice(this.base.length) : link;
  }
}

/** Graph answers 404 for missing users or managers; other errors are real failures. */
export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number })?.statusCode === 404;
}

/**
 * Any other Graph failure (unreachable, throttled, 5xx, a credential that cannot get a token, a permission
 * missing) means the directory or mailbox cannot be used now: the callers answer "Microsoft Graph cannot be
 * reached" instead of failing in their own words.
 */
export function asGraphOutage(err: unknown): DependencyUnavailableError {
  if (err instanceof DependencyUnavailableError) return err;
  const status = (err as { statusCode?: number })?.statusCode;
  const name = (err as Error)?.name ?? 'Error';
  const detail = `${name}${status ? ` ${status}` : ''}`;
  if (status === 429 || status === 503) {
    // ApplicationThrottled (the mailbox's concurrency or the app's requests per 10 minutes), or unavailable.
    const asked = Number((err as { headers?: Headers })?.headers?.get?.('retry-after'));
    const code = (err as { code?: string })?.code;
    return new ThrottledError(
      'Microsoft Graph',
      `${detail}${code ? ` ${code}` : ''}`,
      asked > 0 ? asked : 1,
      {
        cause: err,
      },
    );
  }
  return new DependencyUnavailableError('Microsoft Graph', detail, 30, { cause: err });
}
