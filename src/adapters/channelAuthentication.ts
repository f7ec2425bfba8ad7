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
import type { ServiceUrlPolicy } from '../domain/channelTrust';
import type { ChatPacing } from '../ports/chat';
import { ConnectorClients, TrustedConnectorFactory } from './connectorClients';

/** Errors of the JWT library botbuilder uses when a token's signature or dates do not check out. */
const REJECTED_TOKEN = new Set(['JsonWebTokenError', 'NotBeforeError', 'TokenExpiredError']);

/**
 * Bot Framework authentication as configured, with these additions:
 *  - every Bot Connector client it hands out (replies within a turn, proactive posts, new threads, card
 *    updates, member look-ups) is for a trusted service URL only: the one place outbound calls are checked,
 *    so neither an activity nor a stored conversation reference can point the bot (and its token) elsewhere;
 *  - those clients are paced to Teams' limits, never send a new message twice on their own (see
 *    botConnectorPolicy.ts), and are made once per service URL (connectorClients.ts);
 *  - a token with a forged signature is answered 401 like every other bad token: botbuilder lets the JWT
 *    library's error through, and CloudAdapter then answers 500, which reads as our fault and hides an attack;
 *  - a token must expire: one without `exp` would be good forever, and botbuilder accepts it (the API refuses
 *    such tokens too, see src/http/apiAuth.ts).
 */
export class ChannelAuthentication extends ConfigurationBotFrameworkAuthentication {
  /** Connector clients and the connections for new messages, shared by every turn (connectorClients.ts). */
  private readonly connectors: ConnectorClients;

  constructor(
    options: ConfigurationBotFrameworkAuthenticationOptions,
    private readonly serviceUrls: ServiceUrlPolicy,
    pacing: ChatPacing,
  ) {
    super(options);
    this.connectors = new ConnectorClients(pacing);
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
      this.connectors,
    );
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
          connectorFactory: new TrustedConnectorFactory(
            result.connectorFactory,
            this.serviceUrls,
            this.connectors,
          ),
        }
      : result;
  }
}

function asAuthenticationError(err: unknown): unknown {
  if (err instanceof Error && REJECTED_TOKEN.has(err.name)) {
    return new AuthenticationError(`Unauthorized. ${err.message}`, 401);
  }
  return err;
}
