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
import { ChatPacing, UntrustedServiceUrlError } from '../ports/chat';
import { Pipeline, useOutboundPolicy } from './botConnectorPolicy';

/** Errors of the JWT library botbuilder uses when a token's signature or dates do not check out. */
const REJECTED_TOKEN = new Set(['JsonWebTokenError', 'NotBeforeError', 'TokenExpiredError']);

/**
 * Bot Framework authentication as configured, with these additions:
 *  - every Bot Connector client it hands out (replies within a turn, proactive posts, new threads, card
 *    updates, member look-ups) is for a trusted service URL only: the one place outbound calls are checked,
 *    so neither an activity nor a stored conversation reference can point the bot (and its token) elsewhere;
 *  - those clients are paced to Teams' limits and never send a new message twice on their own (see
 *    botConnectorPolicy.ts);
 *  - a token with a forged signature is answered 401 like every other bad token: botbuilder lets the JWT
 *    library's error through, and CloudAdapter then answers 500, which reads as our fault and hides an attack.
 */
export class ChannelAuthentication extends ConfigurationBotFrameworkAuthentication {
  constructor(
    options: ConfigurationBotFrameworkAuthenticationOptions,
    private readonly serviceUrls: ServiceUrlPolicy,
    private readonly pacing: ChatPacing,
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
    return new TrustedConnectorFactory(
      super.createConnectorFactory(claimsIdentity),
      this.serviceUrls,
      this.pacing,
    );
  }

  private guarded(result: AuthenticateRequestResult): AuthenticateRequestResult {
    return result.connectorFactory
      ? {
          ...result,
          connectorFactory: new TrustedConnectorFactory(
            result.connectorFactory,
            this.serviceUrls,
            this.pacing,
          ),
        }
      : result;
  }
}

/** Creates connector clients for trusted service URLs only; anything else is refused before a byte is sent. */
class TrustedConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly policy: ServiceUrlPolicy,
    private readonly pacing: ChatPacing,
  ) {
    super();
  }

  async create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    if (!isTrustedServiceUrl(serviceUrl, this.policy)) throw new UntrustedServiceUrlError();
    const client = await this.inner.create(serviceUrl, audience);
    useOutboundPolicy(
      (client as unknown as { client?: { pipeline?: Pipeline } }).client?.pipeline,
      this.pacing,
    );
    return client;
  }
}

function asAuthenticationError(err: unknown): unknown {
  if (err instanceof Error && REJECTED_TOKEN.has(err.name)) {
    return new AuthenticationError(`Unauthorized. ${err.message}`, 401);
  }
  return err;
}
