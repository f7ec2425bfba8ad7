import { installedForUser, personalConversationId } from '../support/activities';
import type { FakeGraph } from '../support/fakeGraph';
import { click, sentTo, startDirectory } from '../support/requestFlow';
import { startTestApp, TestApp, textOf } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { users } from '../support/users';

const { alice, bob, eve } = users;

describe.each(['embedded', 'cosmos'] as const)('requests through the API (%s store)', (store) => {
  let t: TestApp;
  let issuer: TokenIssuer;
  let graph: FakeGraph;
  const as = (user: typeof alice, roles: string[] = []) =>
    issuer.bearer({ oid: user.aadObjectId, name: user.name, roles });

  beforeAll(async () => {
    issuer = await new TokenIssuer().start();
    graph = await startDirectory();
    t = await startTestApp({
      store,
      env: {
        ...issuer.env(),
        GRAPH_BASE_URL: graph.baseUrl,
        ADDRESS_STRATEGY: 'plus',
        PLUS_ADDRESS: 'aws@contoso.com',
      },
    });
    // Teams told the bot about Alice's personal chat when she installed it; that is where her result goes.
    await t.send(installedForUser(t.connector.url, alice));
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
    await issuer.stop();
  });
  beforeEach(() => t.connector.clear());

  it('a caller without Addresses.Allocate gets 202 and a request that the manager approves in Teams', async () => {
    const body = { accountName: 'factory-made', purpose: 'from the account factory', environment: 'prod' };
    const res = await t.request('POST', '/api/v1/addresses', body, await as(alice));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      state: 'pending',
      accountName: 'factory-made',
      approvers: [{ name: 'Bob Manager' }],
    });
    expect(res.body.delivery).toBeUndefined(); // answered before the approval card went out
    const { requestId, statusUrl } = res.body;
    expect(statusUrl).toBe(`/api/v1/requests/${requestId}`);
    expect(res.headers.get('location')).toBe(statusUrl);
    expect(textOf(sentTo(t, personalConversationId(bob))[0].body)).toMatch(
      /Alice Requester asks[\s\S]*factory-made/,
    );

    const pending = await t.request('GET', statusUrl, undefined, await as(alice));
    expect(pending.body).toMatchObject({ requestId, state: 'pending', delivery: 'personal' });
    expect((await t.request('GET', statusUrl, undefined, await as(eve))).status).toBe(404);
    expect((await t.request('GET', statusUrl)).status).toBe(401);

    await click(t, bob, 'request.approve', requestId);
    const done = await t.request('GET', statusUrl, undefined, await as(alice));
    expect(done.body).toMatchObject({
      state: 'fulfilled',
      address: 'aws+factory-made@contoso.com',
      decision: { outcome: 'approved', by: { name: 'Bob Manager' } },
    });
    expect(
      sentTo(t, personalConversationId(alice)).some((c) =>
        /aws\+factory-made@contoso\.com/.test(textOf(c.body)),
      ),
    ).toBe(true);
    const fromBob = await t.request('GET', statusUrl, undefined, await as(bob));
    expect(fromBob.status).toBe(200);
  });

  it('answers a second open request with 409 and the first one, and bad input with 400 per field', async () => {
    const first = await t.request(
      'POST',
      '/api/v1/addresses',
      { accountName: 'twice-asked' },
      await as(alice),
    );
    expect(first.status).toBe(202);
    const again = await t.request(
      'POST',
      '/api/v1/addresses',
      { accountName: 'twice-asked' },
      await as(alice),
    );
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ requestId: first.body.requestId, status: first.body.statusUrl });
    const bad = await t.request(
      'POST',
      '/api/v1/addresses',
      { accountName: 'no good', environment: 'live' },
      await as(alice),
    );
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.errors).sort()).toEqual(['accountName', 'environment']);
  });
});
