import { poolBucketOf } from '../../src/domain/addressRules';
import { startCosmosServer, CosmosTestServer } from '../support/cosmosServer';
import { startCosmosThrottle } from '../support/cosmosThrottle';
import { POOL_ADDRESS, POOL_ADDRESS_RECORD } from '../support/mailFixtures';
import { pollUntil } from '../support/pollUntil';
import { startTestApp, TestApp } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { users } from '../support/users';

const LOOKUP = `/api/v1/addresses/${encodeURIComponent(POOL_ADDRESS)}`;

/**
 * Cosmos DB throttling, against the Cosmos-protocol server behind a proxy that throttles as Cosmos DB does
 * (request units per second, 429 with x-ms-retry-after-ms): a 429 is waited out, a long job is paced so that
 * people's requests keep their request units, and a request that still cannot be served answers 503 with a
 * Retry-After.
 */
describe('Cosmos DB throttling', () => {
  let issuer: TokenIssuer;
  let cosmos: CosmosTestServer;
  let throttle: Awaited<ReturnType<typeof startCosmosThrottle>>;
  let t: TestApp;
  const reader = () => issuer.bearer({ oid: 'automation', roles: ['Addresses.Read'] });

  beforeAll(async () => {
    issuer = await new TokenIssuer().start();
    cosmos = await startCosmosServer();
    throttle = await startCosmosThrottle(cosmos, { ruPerSecond: 300 });
    t = await startTestApp({
      store: 'cosmos',
      cosmos: throttle,
      keepLogs: false,
      // The operator gives background work half of the account's request units.
      env: { ...issuer.env(), ADMIN_IDS: users.carol.aadObjectId, COSMOS_BACKGROUND_RU_PER_SECOND: '150' },
    });
    await t.app.store.create('addresses', POOL_ADDRESS, POOL_ADDRESS_RECORD);
  });
  afterAll(async () => {
    await t?.close();
    await throttle?.stop();
    await cosmos?.stop();
    await issuer?.stop();
  });

  it('waits out a 429 as Cosmos DB asks (x-ms-retry-after-ms) and answers normally', async () => {
    const before = throttle.throttled.length;
    throttle.throttleNext(3, 200);
    const res = await t.request('GET', LOOKUP, undefined, await reader());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ address: POOL_ADDRESS });
    expect(throttle.throttled.length - before).toBe(3);
  });

  it('paces the quarantine job so that lookups meanwhile are never throttled', async () => {
    const past = new Date(t.clock.now().getTime() - 86_400_000).toISOString();
    const aliases = Array.from({ length: 100 }, (_, i) => `aws-q${String(i).padStart(3, '0')}@contoso.com`);
    for (const address of aliases)
      await t.app.store.create('addresses', address, {
        address,
        mailbox: 'aws-pool-01@contoso.com',
        strategy: 'pool',
        state: 'quarantined',
        quarantineUntil: past,
        bucket: poolBucketOf(address),
        history: [],
      });
    const before = throttle.throttled.length;
    let jobDone = false;
    const job = t.app.runJobs().finally(() => (jobDone = true));
    const statuses: number[] = [];
    // Someone looks an address up again each time Cosmos DB has served thirty more requests (the job's, mostly), while the job runs.
    while (!jobDone) {
      const res = await t.request('GET', LOOKUP, undefined, await reader(), { settle: false });
      statuses.push(res.status);
      const served = throttle.served;
      await pollUntil(() => jobDone || throttle.served >= served + 30, 'the job to go on', 30_000);
    }
    await job;
    await t.app.idle();

    expect(await t.app.store.count('addresses', { state: 'quarantined' })).toBe(0);
    expect(statuses.length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // People's requests kept their request units: none of the lookups was throttled.
    const lookupsThrottled = throttle.throttled
      .slice(before)
      .filter((r) => decodeURIComponent(r.path).includes(`/docs/${POOL_ADDRESS}`));
    expect(lookupsThrottled).toEqual([]);
  }, 120_000);

  it('answers 503 with a Retry-After when Cosmos DB keeps throttling', async () => {
    throttle.throttleAll(true, 1500);
    try {
      const res = await t.request('GET', LOOKUP, undefined, await reader());
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(res.body).toMatchObject({ status: 503, dependency: 'Cosmos DB' });
    } finally {
      throttle.throttleAll(false);
    }
  }, 60_000);
});
