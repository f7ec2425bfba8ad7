import { mayHaveBeenDelivered, UnreachableUserError } from '../../src/ports/chat';
import { DependencyUnavailableError } from '../../src/ports/errors';

/**
 * A post is sent at most once: after a failure it is tried again only when Teams certainly did not take it.
 * Failing before Teams was asked (nobody to send to, the store down while looking up the chat) is such a case:
 * treated as "perhaps delivered", the message would never go out.
 */
describe('whether a failed post may have reached Teams', () => {
  it('did not when Teams was never asked', () => {
    expect(mayHaveBeenDelivered(new UnreachableUserError())).toBe(false);
    expect(mayHaveBeenDelivered(new DependencyUnavailableError('Cosmos DB', '503'))).toBe(false);
    expect(mayHaveBeenDelivered(new DependencyUnavailableError('the embedded store', 'closed'))).toBe(false);
  });

  it('did not when Teams refused, throttled or was unreachable', () => {
    expect(mayHaveBeenDelivered({ statusCode: 403 })).toBe(false);
    expect(mayHaveBeenDelivered({ statusCode: 429 })).toBe(false);
    expect(mayHaveBeenDelivered({ code: 'ECONNREFUSED' })).toBe(false);
  });

  it('may have when the call broke off or Teams failed its answer', () => {
    const teamsFailed = new DependencyUnavailableError('Bot Connector', '502', 30, {
      cause: { statusCode: 502 },
    });
    expect(mayHaveBeenDelivered(teamsFailed)).toBe(true);
    expect(mayHaveBeenDelivered(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(
      true,
    );
    expect(mayHaveBeenDelivered({ statusCode: 408 })).toBe(true);
  });
});
