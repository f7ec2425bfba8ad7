import type { AddressRequest } from '../../src/domain/addressRequests';
import { SqliteDocumentStore } from '../../src/storage/sqliteDocumentStore';
import { addressUseCases, admin, poolCsv } from '../support/addressFixtures';
import { personalConversationId, personalMessage } from '../support/activities';
import type { FakeGraph } from '../support/fakeGraph';
import { pollUntil } from '../support/pollUntil';
import { askFor, click, sentTo, startDirectory } from '../support/requestFlow';
import { startTestApp, TestApp, textOf } from '../support/testApp';
import { users } from '../support/users';

/**
 * A request's messages reach Teams at most once (issue 10, point 6): Teams takes no idempotency key, so a
 * post whose fate is open (a 500 after the fact, a crash mid-call) is never sent again, and what it said
 * reaches the requester through a message they already have. Throttled or refused posts are sent again.
 */
const { alice, bob, carol, dave, frank } = users;

describe('request messages at most once', () => {
  let graph: FakeGraph;
  let t: TestApp;
  const env = () => ({
    GRAPH_BASE_URL: graph.baseUrl,
    ADDRESS_STRATEGY: 'plus',
    PLUS_ADDRESS: 'aws@contoso.com',
    APPROVER_IDS: `${frank.aadObjectId},${carol.aadObjectId}`,
  });

  beforeAll(async () => {
    graph = await startDirectory();
    t = await startTestApp({ env: env() });
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });
  beforeEach(() => t.connector.clear());

  const resultPosts = () =>
    sentTo(t, personalConversationId(alice)).filter((c) => /is ready/.test(textOf(c.body)));
  const isResultPost = (call: { method: string; path: string; body: any }) =>
    call.method === 'POST' &&
    call.path.includes(encodeURIComponent(personalConversationId(alice))) &&
    /is ready/.test(JSON.stringify(call.body));

  it('a result Teams took but answered 500: not sent again by the client, the job or a restart; the status card shows the address', async () => {
    const requestId = await askFor(t, alice, 'request took-but-500');
    t.connector.fail(isResultPost, 500, { created: true });
    await click(t, bob, 'request.approve', requestId);

    expect(resultPosts()).toHaveLength(1);
    expect(resultPosts()[0].answeredWith).toBe(500);
    const status = t.connector
      .of('update', personalConversationId(alice))
      .map((u) => textOf(u.body))
      .find((text) => /is ready/.test(text));
    expect(status).toContain('aws+took-but-500@contoso.com');

    t.clock.advanceHours(1); // every lease long gone
    await t.app.runJobs();
    expect(resultPosts()).toHaveLength(1);
    const stored = (await t.app.services.requests.get(requestId)) as AddressRequest;
    expect(stored).toMatchObject({ state: 'fulfilled', workPending: false });
    expect(stored.posts?.result).toMatchObject({ state: 'sending', attempts: 1 });
  });

  it('throttled (429) and unavailable (503): sent again until Teams takes it, then exactly once', async () => {
    const requestId = await askFor(t, alice, 'request throttled');
    t.connector.fail(isResultPost, 429);
    t.connector.fail(isResultPost, 503);
    await click(t, bob, 'request.approve', requestId);
    expect(resultPosts()).toHaveLength(1);
    expect(resultPosts()[0].answeredWith).toBeUndefined();
    const stored = (await t.app.services.requests.get(requestId)) as AddressRequest;
    expect(stored.posts?.result).toMatchObject({ state: 'sent' });
  });

  it('a new message never goes over a pooled connection the server may be closing as idle: it arrives, once', async () => {
    // A server that closes connections idle for 1.2 s without saying so: a POST crossing its close is lost.
    t.connector.announceKeepAlive = false;
    t.connector.dropPostsOnConnectionsIdleFor = 1_200;
    try {
      const requestId = await askFor(t, alice, 'request pooled-connection');
      // The connections the approval cards went out on sit idle until the server may be closing them.
      await pollUntil(() => t.connector.longestIdleMs() >= 1_200, 'a pooled connection idle for 1.2 s');
      await click(t, bob, 'request.approve', requestId);
      expect(resultPosts()).toHaveLength(1);
      const stored = (await t.app.services.requests.get(requestId)) as AddressRequest;
      expect(stored.posts?.result).toMatchObject({ state: 'sent' });
      expect(t.connector.droppedPosts).toBe(0); // it went out on a new connection
    } finally {
      t.connector.dropPostsOnConnectionsIdleFor = undefined;
      t.connector.announceKeepAlive = true;
    }
  });

  it('reuses a connection used moments ago for the next message: no handshake per message', async () => {
    const before = t.connector.postsOnReusedConnections;
    for (let i = 0; i < 3; i++) await t.send(personalMessage(t.connector.url, alice, 'help'));
    expect(t.connector.postsOnReusedConnections).toBeGreaterThan(before);
  });

  it('a step run again after a crash skips what went out and what may have, and sends only the rest', async () => {
    // What a run that died during the approval cards leaves in the store: Frank's card went out (recorded),
    // Carol's was on its way (marked before the call), the requester's status card not yet.
    const stopping = await startTestApp({
      env: env(),
      dataDir: t.dataDir,
      connector: t.connector,
      clock: t.clock,
      overrides: { deferRequestWork: true },
    });
    await t.stopApp();
    const requestId = await askFor(stopping, dave, 'request crashed-midway');
    const now = t.clock.now();
    const posted = {
      conversationId: personalConversationId(frank),
      activityId: 'frank-card-1',
      serviceUrl: t.connector.url,
    };
    await stopping.app.store.replace<AddressRequest>(
      'requests',
      requestId,
      {
        ...((await stopping.app.services.requests.get(requestId)) as AddressRequest),
        stepClaims: { 'deliver-approval': new Date(now.getTime() + 5 * 60_000).toISOString() },
        posts: {
          [`approval:${frank.aadObjectId}`]: {
            state: 'sent',
            at: now.toISOString(),
            attempts: 1,
            message: posted,
          },
          [`approval:${carol.aadObjectId}`]: { state: 'sending', at: now.toISOString(), attempts: 1 },
        },
      },
      (await stopping.app.services.requests.get(requestId))!._etag,
    );
    await stopping.stopApp();
    t.connector.clear();

    // The next start leaves the claim alone while it lasts (its holder may be another instance still at
    // work); once it lapsed, the poll on any instance takes the step over and finishes it.
    const restarted = await startTestApp({
      env: env(),
      dataDir: t.dataDir,
      connector: t.connector,
      clock: t.clock,
    });
    try {
      await restarted.app.idle();
      expect(t.connector.calls).toEqual([]);
      expect(await restarted.app.services.requests.get(requestId)).toMatchObject({ workPending: true });
      t.clock.advanceMinutes(5);
      await restarted.app.runJobs();
      expect(sentTo(restarted, personalConversationId(frank))).toEqual([]);
      expect(sentTo(restarted, personalConversationId(carol))).toEqual([]);
      expect(t.connector.of('createConversation')).toEqual([]);
      const stored = (await restarted.app.services.requests.get(requestId)) as AddressRequest;
      expect(stored).toMatchObject({ delivery: 'personal', workPending: false });
      expect(stored.cardCopies).toContainEqual({ audience: 'approver', ...posted });
      expect(restarted.logs.some((l) => /interrupted before; it may have reached Teams/.test(l))).toBe(true);

      // Frank decides on the card he has; the copies that are known are updated, nothing is posted twice.
      await click(restarted, frank, 'request.approve', requestId);
      expect(t.connector.of('update').map((u) => u.activityId)).toContain('frank-card-1');
      const results = sentTo(restarted, personalConversationId(dave)).filter((c) =>
        /is ready/.test(textOf(c.body)),
      );
      expect(results).toHaveLength(1);
    } finally {
      await restarted.stopApp(); // the last test: `t` stays stopped, and afterAll cleans up its data
    }
  });
});

describe('one address per request, however often and however concurrently it is allocated', () => {
  it.each(['pool', 'plus'] as const)(
    '%s strategy: 20 concurrent allocations for one request give one address',
    async (strategy) => {
      const store = new SqliteDocumentStore(':memory:');
      await store.init();
      const { pool, addresses, audit } = addressUseCases(store, {
        settings: { strategy, plusAddress: 'aws@contoso.com' },
      });
      if (strategy === 'pool') await pool.importCsv(poolCsv(1, 50), admin);
      const given = await Promise.all(
        Array.from({ length: 20 }, () =>
          addresses.allocate({
            accountName: 'twice-run',
            owner: { id: 'owner-1' },
            requestId: 'req-0000abcd',
            by: admin,
          }),
        ),
      );
      expect(new Set(given.map((r) => r.address)).size).toBe(1);
      expect(await store.count('addresses', { requestId: 'req-0000abcd' })).toBe(1);
      expect(await store.count('addresses', { state: 'assigned' })).toBe(1);
      const allocated = (await audit.about('req-0000abcd')).filter((e) => e.action === 'address.allocated');
      expect(allocated).toHaveLength(1);
    },
  );
});
