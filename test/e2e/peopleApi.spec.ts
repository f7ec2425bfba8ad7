import { poolCsv } from '../support/addressFixtures';
import { installedForUser, personalConversationId } from '../support/activities';
import type { FakeGraph } from '../support/fakeGraph';
import { askFor, sentTo, startDirectory } from '../support/requestFlow';
import { startTestApp, TestApp, textOf } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { TestUser, users } from '../support/users';

const { alice, bob, carol, eve, frank } = users;

/**
 * /api/v1 for people (the tab): delegated Entra ID tokens beside app tokens, mapped to the same policy as
 * chat; the registry, a record's history, the pool's history, and approvals through the card's use case.
 */
describe('the API for people, over real HTTP with real JWTs', () => {
  let t: TestApp;
  let issuer: TokenIssuer;
  let graph: FakeGraph;
  const asUser = async (user: TestUser, options = {}) => ({
    authorization: `Bearer ${await issuer.userToken(user, options)}`,
  });

  beforeAll(async () => {
    issuer = await new TokenIssuer().start();
    graph = await startDirectory();
    t = await startTestApp({
      env: {
        ...issuer.env(),
        GRAPH_BASE_URL: graph.baseUrl,
        ADMIN_IDS: carol.aadObjectId,
        APPROVER_IDS: frank.aadObjectId,
      },
    });
    const admin = t.app.services.chatPrincipal(carol.aadObjectId, carol.name);
    await t.app.services.pool.importCsv(poolCsv(2, 30), admin);
    for (const [name, owner] of [
      ['payments-prod', alice],
      ['payroll', alice],
      ['ledger', bob],
    ] as const)
      await t.app.services.addresses.allocate({
        accountName: name,
        owner: { id: owner.aadObjectId, upn: owner.upn, name: owner.name },
        by: admin,
      });
    await t.send(installedForUser(t.connector.url, alice));
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
    await issuer.stop();
  });

  it('accepts v2 and v1 user tokens with access_as_user, as the person they name', async () => {
    for (const v1 of [false, true]) {
      const me = await t.request('GET', '/api/v1/me', undefined, await asUser(alice, { v1 }));
      expect(me.status).toBe(200);
      expect(me.body).toEqual({ id: alice.aadObjectId, name: alice.name, admin: false, kind: 'user' });
    }
    const admin = await t.request('GET', '/api/v1/me', undefined, await asUser(carol));
    expect(admin.body).toMatchObject({ admin: true, kind: 'user' });
    // App roles in a person's token do not make them more than the policy says.
    const withRoles = await t.request(
      'GET',
      '/api/v1/me',
      undefined,
      await asUser(eve, { roles: ['Addresses.Admin'] }),
    );
    expect(withRoles.body).toMatchObject({ admin: false });
    const app = await t.request(
      'GET',
      '/api/v1/me',
      undefined,
      await issuer.bearer({ roles: ['Addresses.Read'] }),
    );
    expect(app.body).toMatchObject({ kind: 'app', admin: false });
  });

  it('refuses user tokens without the scope, of another tenant, without a tenant, or for another audience', async () => {
    const noScope = await t.request(
      'GET',
      '/api/v1/me',
      undefined,
      await asUser(alice, { scp: 'User.Read' }),
    );
    expect(noScope.status).toBe(403);
    expect(noScope.headers.get('www-authenticate')).toMatch(/insufficient_scope.*access_as_user/);
    for (const [options, detail] of [
      [{ tid: 'another-tenant' }, /not from the tenant/],
      [{ tid: null }, /not from the tenant/],
      [{ audience: 'api://someone-else' }, /"aud" claim/],
      [{ v1: true, issuer: 'https://sts.windows.net/another-tenant/' }, /"iss" claim/],
    ] as const) {
      const res = await t.request('GET', '/api/v1/me', undefined, await asUser(alice, options));
      expect(res.status).toBe(401);
      expect(res.body.detail).toMatch(detail);
    }
  });

  it('searches the registry with pages for people and readers; only admins and readers list everything', async () => {
    const page = await t.request(
      'GET',
      '/api/v1/addresses/search?q=pay&limit=1',
      undefined,
      await asUser(eve),
    );
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({
      offset: 0,
      limit: 1,
      nextOffset: 1,
      items: [{ accountName: 'payments-prod' }],
    });
    const next = await t.request(
      'GET',
      '/api/v1/addresses/search?q=pay&limit=1&offset=1',
      undefined,
      await asUser(eve),
    );
    expect(next.body.items.map((r: { accountName: string }) => r.accountName)).toEqual(['payroll']);
    expect(next.body.nextOffset).toBeUndefined();

    const listed = await t.request(
      'GET',
      '/api/v1/addresses/search?state=assigned',
      undefined,
      await asUser(eve),
    );
    expect(listed.status).toBe(403);
    expect(listed.body.detail).toMatch(/Only an admin can list every address/);
    for (const headers of [await asUser(carol), await issuer.bearer({ roles: ['Addresses.Read'] })]) {
      const all = await t.request('GET', '/api/v1/addresses/search?state=assigned', undefined, headers);
      expect(all.body.items).toHaveLength(3);
    }
    const noRole = await t.request('GET', '/api/v1/addresses/search?q=pay', undefined, await issuer.bearer());
    expect(noRole.status).toBe(403);
    expect(noRole.body.detail).toMatch(/Addresses.Read/);
    const bad = await t.request(
      'GET',
      '/api/v1/addresses/search?q=pay&state=lost&offset=-1',
      undefined,
      await asUser(eve),
    );
    expect(bad.status).toBe(400);
  });

  it('shows a record’s history to its owner and admins only, and lets owners change their own records', async () => {
    const [mine] = (
      await t.request('GET', '/api/v1/addresses/search?q=payments', undefined, await asUser(alice))
    ).body.items;
    const path = `/api/v1/addresses/${encodeURIComponent(mine.address)}`;
    expect((await t.request('GET', path, undefined, await asUser(alice))).body.mayChange).toBe(true);
    expect((await t.request('GET', path, undefined, await asUser(eve))).body.mayChange).toBe(false);
    expect((await t.request('GET', `${path}/audit`, undefined, await asUser(eve))).status).toBe(403);
    const history = await t.request('GET', `${path}/audit`, undefined, await asUser(carol));
    expect(history.body.items.map((e: { action: string }) => e.action)).toEqual(['address.allocated']);

    expect((await t.request('PATCH', path, { awsAccountId: '123456789012' }, await asUser(eve))).status).toBe(
      403,
    );
    t.clock.advanceMinutes(1); // the history is in time order
    const linked = await t.request('PATCH', path, { awsAccountId: '123456789012' }, await asUser(alice));
    expect(linked.status).toBe(200);
    expect(linked.body.awsAccountId).toBe('123456789012');
    const appWithoutAdmin = await t.request(
      'DELETE',
      path,
      undefined,
      await issuer.bearer({ roles: ['Addresses.Read'] }),
    );
    expect(appWithoutAdmin.status).toBe(403);
    t.clock.advanceMinutes(1);
    const retired = await t.request('DELETE', `${path}?reason=closed`, undefined, await asUser(alice));
    expect(retired.body.state).toBe('quarantined');
    const after = await t.request('GET', `${path}/audit`, undefined, await asUser(alice));
    expect(
      after.body.items.map((e: { action: string; actorName: string }) => [e.action, e.actorName]),
    ).toEqual([
      ['address.allocated', carol.name],
      ['address.linked', alice.name],
      ['address.retired', alice.name],
    ]);
    // The same sentences as in chat, at the reader's time with the zone named (the tab sends the browser's).
    const inWords = await t.request(
      'GET',
      `${path}/audit?timeZone=Asia/Tokyo`,
      undefined,
      await asUser(alice),
    );
    expect(inWords.body.items.at(-1).text).toBe(
      `Retired by ${alice.name}: closed; in quarantine until ${after.body.items
        .at(-1)
        .after.quarantineUntil.slice(0, 10)}`,
    );
    expect(inWords.body.items.at(-1).when).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d Asia\/Tokyo$/);
    expect(after.body.items.at(-1).when).toMatch(/ UTC$/);
  });

  it('approvals: the approver decides with a comment, the chat card updates; others cannot; the requester sees it', async () => {
    const requestId = await askFor(t, alice, 'request from-the-tab prod tab approval');
    const card = sentTo(t, personalConversationId(bob)).find((c) => /from-the-tab/.test(textOf(c.body)))!;
    const waiting = await t.request('GET', '/api/v1/me/approvals', undefined, await asUser(bob));
    expect(waiting.body.items.map((r: { requestId: string }) => r.requestId)).toEqual([requestId]);
    expect(
      (await t.request('GET', '/api/v1/me/approvals', undefined, await asUser(alice))).body.items,
    ).toEqual([]);

    const decide = (user: TestUser, body: unknown) =>
      asUser(user).then((h) => t.request('POST', `/api/v1/requests/${requestId}/decision`, body, h));
    expect((await decide(eve, { decision: 'approve' })).status).toBe(404); // not hers to see
    const own = await decide(alice, { decision: 'approve' });
    expect(own.status).toBe(403);
    expect(own.body.detail).toMatch(/cannot decide your own request/);
    expect((await decide(bob, { decision: 'maybe' })).status).toBe(400);

    const approved = await decide(bob, { decision: 'approve', comment: 'go ahead' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      state: 'approved',
      decision: { outcome: 'approved', comment: 'go ahead' },
    });
    const update = t.connector.of('update').find((c) => c.activityId === card.activityId);
    expect(textOf(update?.body)).toMatch(/Approved by Bob Manager.*go ahead/);
    const again = await decide(bob, { decision: 'reject' });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/Already decided: Bob Manager approved/);

    const mine = await t.request('GET', '/api/v1/me/requests', undefined, await asUser(alice));
    expect(mine.body.items[0]).toMatchObject({
      requestId,
      state: 'fulfilled',
      address: expect.stringMatching(/@contoso\.com$/),
    });
    expect((await t.request('GET', '/api/v1/me/requests', undefined, await asUser(bob))).body.items).toEqual(
      [],
    );
  });

  it('the requester cancels a pending request; nobody else can', async () => {
    const requestId = await askFor(t, alice, 'request withdrawn-one');
    const path = `/api/v1/requests/${requestId}/cancel`;
    const byBob = await t.request('POST', path, undefined, await asUser(bob));
    expect(byBob.status).toBe(409);
    const cancelled = await t.request('POST', path, undefined, await asUser(alice));
    expect(cancelled.body).toMatchObject({ state: 'cancelled', closed: { reason: 'cancelled' } });
  });

  it('keeps the pool’s levels once a day and answers them with the days until empty', async () => {
    const admin = t.app.services.chatPrincipal(carol.aadObjectId, carol.name);
    const owner = { id: bob.aadObjectId, name: bob.name };
    for (let day = 0; day < 4; day++) {
      await t.app.runJobs();
      await t.app.runJobs(); // twice the same day: kept once
      for (let i = 0; i < 3; i++)
        await t.app.services.addresses.allocate({ accountName: `day-${day}-${i}`, owner, by: admin });
      t.clock.advanceHours(24);
    }
    const res = await t.request('GET', '/api/v1/pool/history?days=30', undefined, await asUser(eve));
    expect(res.status).toBe(200);
    const frees = res.body.days.map((d: { free: number }) => d.free);
    expect(res.body.days).toHaveLength(4);
    expect(frees).toEqual([frees[0], frees[0] - 3, frees[0] - 6, frees[0] - 9]);
    expect(res.body.forecast).toEqual({
      perDay: 3,
      basisDays: 3,
      daysUntilEmpty: Math.floor(res.body.now.totals.free / 3),
    });
    const one = await t.request(
      'GET',
      '/api/v1/pool/history?days=30&mailbox=POOL-1@contoso.com',
      undefined,
      await asUser(eve),
    );
    expect(one.body.mailbox).toBe('pool-1@contoso.com');
    expect(one.body.days).toHaveLength(4);
    expect((await t.request('GET', '/api/v1/pool/history?days=0', undefined, await asUser(eve))).status).toBe(
      400,
    );
  });

  it('the tab and API transfer to a person by display name, and the new owner is told (issue 20.4)', async () => {
    const [record] = await t.app.services.addresses.search('payroll');
    const path = `/api/v1/addresses/${encodeURIComponent(record.address)}`;
    t.connector.clear();
    const done = await t.request('PATCH', path, { owner: 'Bob Manager' }, await asUser(alice));
    expect(done.status).toBe(200);
    expect(done.body.owner).toMatchObject({ id: bob.aadObjectId, name: 'Bob Manager' });
    // Bob is told (a new chat opened with him); Alice did it herself, so she is not.
    const told = t.connector.sentMessages().map((c) => textOf(c.body?.activity ?? c.body));
    expect(told.join('\n')).toContain(
      `Alice Requester transferred ${record.address} (account payroll) to you: you now own it`,
    );
    expect(
      t.connector.sentMessages().filter((c) => c.conversationId === personalConversationId(alice)),
    ).toEqual([]);
    expect(
      (await t.request('PATCH', path, { owner: 'Nobody Known' }, await asUser(carol))).body.detail,
    ).toMatch(/can't find “Nobody Known” in the directory/);
  });
});
