import { Activity, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
// botbuilder's own dependency (same pinned version): CloudAdapter answers 401 only for this class.
import { AuthenticationError } from 'botframework-connector';

/** Errors of the JWT library botbuilder uses when a token's signature or dates do not check out. */
const REJECTED_TOKEN = new Set(['JsonWebTokenError', 'NotBeforeError', 'TokenExpiredError']);

/**
 * Bot Framework authentication as configured, except that a token with a forged signature is answered
 * 401 like every other bad token: botbuilder lets the JWT library's error through, and CloudAdapter then
 * answers 500, which reads as our fault and hides an attack in the error rate.
 */
export class ChannelAuthentication extends ConfigurationBotFrameworkAuthentication {
  override async authenticateRequest(activity: Activity, authHeader: string) {
    try {
      return await super.authenticateRequest(activity, authHeader);
    } catch (err) {
      throw asAuthenticationError(err);
    }
  }

  override async authenticateStreamingRequest(authHeader: string, channelIdHeader: string) {
    try {
      return await super.authenticateStreamingRequest(authHeader, channelIdHeader);
    } catch (err) {
      throw asAuthenticationError(err);
    }
  }
}

function asAuthenticationError(err: unknown): unknown {
  if (err instanceof Error && REJECTED_TOKEN.has(err.name)) {
    return new AuthenticationError(`Unauthorized. ${err.message}`, 401);
  }
  return err;
}
