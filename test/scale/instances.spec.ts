import { AppCluster } from '../support/appCluster';
import { burstMailId, burstMails, mailIdOfCard, notifyBurst, onCallCards } from '../support/mailBurst';
import { POOL_ADDRESS, POOL_ADDRESS_RECORD } from '../support/mailFixtures';
import { pollUntil } from '../support/pollUntil';
import { users } from '../support/users';

/**
 * Two instances of the compiled app, each its own process, deployed as on App Service (managed identity,
 * channel tokens, WEBSITE_INSTANCE_ID) on one Cosmos-protocol server, against a Bot Connector and a Graph that
 * enforce their published limits.
 */
describe('two real instances on one Cosmos DB', () => {
  let cluster: AppCluster;

  beforeAll(async () => {
    cluster = await AppCluster.start({
      instances: 2,
      mailbox: true,
      env: { ADMIN_IDS: users.carol.aadObjectId },
    });
    await cluster.store.create('addresses', POOL_ADDRESS, POOL_ADDRESS_RECORD);
    await cluster.setUpOnCall(users.carol, [users.dave]);
    await pollUntil(() => !!cluster.mailbox!.current(), 'the inbox subscription', 20_000);
  }, 120_000);
  afterAll(async () => cluster?.stop());

  it('names the instance that answers /healthz', async () => {
    const names = await Promise.all(
      cluster.instances.map(
        async (i) => ((await (await fetch(`${i.url}/healthz`)).json()) as { instance: string }).instance,
      ),
    );
    expect(names).toEqual(['instance-1', 'instance-2']);
  });

  it('relays a 40-mail burst notified to both: Teams never throttles, nothing is sent early, Graph reads stay within the mailbox limit, each mail once', async () => {
    const { connector, graph } = cluster;
    connector.enforceLimits();
    graph.enforceMailboxLimits();
    graph.latencyMs = 100;
    const mails = burstMails(40);
    const { statuses, answeredMs } = await notifyBurst(
      cluster.mailbox!,
      mails,
      cluster.instances.map((i) => i.url),
      4,
    );
    expect(statuses.every((s) => s === 202)).toBe(true);
    // Graph marks an endpoint slower than 3 s "slow" and then drops its notifications.
    expect(Math.max(...answeredMs)).toBeLessThan(3_000);
    const expected = mails.map((_, n) => burstMailId(n));
    await cluster.explained(() =>
      pollUntil(
        () => expected.every((id) => onCallCards(connector).some((c) => mailIdOfCard(c) === id)),
        () =>
          `every card (${onCallCards(connector).length} posted, ${connector.throttled.length} throttled by Teams, ` +
          `${graph.throttled.length} by Graph)`,
        90_000,
      ),
    );

    expect(connector.earlyPosts).toEqual([]);
    expect(connector.throttled).toEqual([]);
    expect(graph.throttled.length).toBeLessThanOrEqual(Math.floor(graph.mailboxRequests * 0.05));
    const posted = onCallCards(connector).map(mailIdOfCard).filter(Boolean);
    expect([...posted].sort()).toEqual([...expected].sort());
  }, 150_000);
});
