// botbuilder's own dependency (same pinned version).
import { ConnectorFactory } from 'botframework-connector';
import type { ConnectorClient } from 'botframework-connector';
import { isTrustedServiceUrl, ServiceUrlPolicy } from '../domain/channelTrust';
import { ChatPacing, UntrustedServiceUrlError } from '../ports/chat';
import { Pipeline, useOutboundPolicy } from './botConnectorPolicy';
import { recentConnectionAgents } from './recentConnections';

/** Clients kept at most; Teams has a few service URLs per region and cloud. */
const CLIENTS_KEPT = 64;

/**
 * What every turn shares: the connector clients, one per service URL and identity, and the connections new
 * messages go out on. botbuilder's CloudAdapter builds a new client (its pipeline of a dozen policies, its
 * credentials) on every turn and every proactive post, which was a seventh of a `help` turn; its older
 * BotFrameworkAdapter kept them the same way. A client holds no state of a conversation: its credentials
 * cache the bot's token, which is what they are for. Each client's calls are paced to Teams' limits by
 * `pacing` (botConnectorPolicy.ts).
 */
export class ConnectorClients {
  readonly postConnections = recentConnectionAgents();
  private readonly clients = new Map<string, Promise<ConnectorClient>>();

  constructor(readonly pacing: ChatPacing) {}

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
      useOutboundPolicy(
        (client as unknown as { client?: { pipeline?: Pipeline } }).client?.pipeline,
        this.shared.pacing,
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
