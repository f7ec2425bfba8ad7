import { FakeGraph } from '../support/fakeGraph';
import { startTestApp, TestApp } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { users } from '../support/users';
import { poolCsv } from '../support/addressFixtures';

const READ = ['Addresses.Read'];
const ALLOCATE = ['Addresses.Allocate', 'Addresses.Read'];
const ADMIN = ['Addresses.Admin'];

describe.each(['embedded', 'cosmos'] as const)(
  'address API over real HTTP with real JWTs (%s store)',
  (store) => {
    let t: TestApp;
    let issuer: TokenIssuer;
    let graph: FakeGraph;
    const as = (roles: string[]) => issuer.bearer({ roles, name: 'account-factory' });

    beforeAll(async () => {
      issuer = await new TokenIssuer().start();
      graph = new FakeGraph();
      for (const u of [users.alice, users.bob])
        graph.addUser({ id: u.aadObjectId, displayName: u.name, userPrincipalName: u.upn });
      await graph.start();
      t = await startTestApp({ store, env: { ...issuer.env(), GRAPH_BASE_URL: graph.baseUrl } });
    });
    afterAll(async () => {
      await t.close();
      await graph.stop();
      await issuer.stop();
    });

    it('refuses calls without a valid token with 401, a Bearer challenge and a problem', async () => {
      const cases: [Record<string, string>, RegExp][] = [
        [{}, /Authorization: Bearer/],
        [{ authorization: 'Basic abc' }, /Authorization: Bearer/],
        [await issuer.bearer({ roles: READ, expiresIn: -600 }), /expired/],
        [await issuer.bearer({ roles: READ, foreignKey: true }), /signature does not verify/],
        [await issuer.bearer({ roles: READ, issuer: 'https://evil.example/v2.0' }), /"iss" claim/],
        [await issuer.bearer({ roles: READ, audience: 'api://someone-else' }), /"aud" claim/],
      ];
      for (const [headers, detail] of cases) {
        const res = await t.request('GET', '/api/v1/pool', undefined, headers);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
        expect(res.body.detail).toMatch(detail);
      }
    });

    it('answers 403 when the token lacks the role', async () => {
      const res = await t.request('GET', '/api/v1/pool', undefined, await as([]));
      expect(res.status).toBe(403);
      expect(res.body.detail).toMatch(/Addresses.Read/);
      const importRes = await t.request('POST', '/api/v1/pool/import', 'a@contoso.com,b@contoso.com', {
        ...(await as(ALLOCATE)),
        'content-type': 'text/csv',
      });
      expect(importRes.status).toBe(403);
    });

    it('imports a pool file idempotently and rejects a file with a bad line by number, importing none of it', async () => {
      const admin = { ...(await as(ADMIN)), 'content-type': 'text/csv' };
      const bad = await t.request(
        'POST',
        '/api/v1/pool/import',
        `${poolCsv(1, 2)}\npool-1@contoso.com,aws;x@contoso.com\npool-1@contoso.com`,
        admin,
      );
      expect(bad.status).toBe(400);
      expect(bad.body.detail).toMatch(/Nothing was imported/);
      expect(bad.body.lines).toEqual([
        { line: 4, problem: expect.stringMatching(/must not contain/) },
        { line: 5, problem: expect.stringMatching(/expected two columns/) },
      ]);
      expect((await t.request('GET', '/api/v1/pool', undefined, await as(READ))).body.mailboxes).toEqual([]);

      const first = await t.request('POST', '/api/v1/pool/import', poolCsv(2, 10), admin);
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ imported: 20, alreadyPresent: 0, mailboxesCreated: 2 });
      const again = await t.request('POST', '/api/v1/pool/import', poolCsv(2, 10), admin);
      expect(again.body).toEqual({ imported: 0, alreadyPresent: 20, mailboxesCreated: 0 });
      const pool = await t.request('GET', '/api/v1/pool', undefined, await as(READ));
      expect(pool.body.totals).toEqual({ capacity: 600, free: 20, assigned: 0, quarantined: 0 });
    });

    it('allocates for Addresses.Allocate, refuses others, and answers bad names in words', async () => {
      const body = { accountName: 'payments-prod', owner: users.alice.upn, purpose: 'payments' };
      // Without Addresses.Allocate the call becomes a request for approval (test/e2e/requestApi.spec.ts);
      // this caller has no manager and no approvers are configured, so nobody could approve it.
      expect((await t.request('POST', '/api/v1/addresses', body, await as(READ))).status).toBe(422);

      const res = await t.request('POST', '/api/v1/addresses', body, await as(ALLOCATE));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        state: 'assigned',
        accountName: 'payments-prod',
        owner: { id: users.alice.aadObjectId, upn: users.alice.upn, name: users.alice.name },
      });
      expect(res.body.address).toMatch(/^aws-\d-\d+@contoso\.com$/);
      expect(res.headers.get('location')).toBe(`/api/v1/addresses/${encodeURIComponent(res.body.address)}`);

      const badName = await t.request(
        'POST',
        '/api/v1/addresses',
        { ...body, accountName: 'prod payments' },
        await as(ALLOCATE),
      );
      expect(badName.status).toBe(400);
      expect(badName.body.detail).toMatch(
        /`prod payments` is not a valid account name: use letters, digits and hyphens/,
      );
      const badOwner = await t.request(
        'POST',
        '/api/v1/addresses',
        { ...body, owner: 'nobody@contoso.com' },
        await as(ALLOCATE),
      );
      expect(badOwner.status).toBe(400);
      expect(badOwner.body.detail).toMatch(/can't find “nobody@contoso.com” in the directory/);
    });

    it('looks up, links, transfers and retires; refuses what would break a rule and changes nothing', async () => {
      const allocate = (accountName: string) =>
        as(ALLOCATE).then((h) =>
          t.request('POST', '/api/v1/addresses', { accountName, owner: users.alice.aadObjectId }, h),
        );
      const one = (await allocate('lookup-one')).body.address as string;
      const two = (await allocate('lookup-two')).body.address as string;
      const admin = await as(ADMIN);
      const path = (a: string) => `/api/v1/addresses/${encodeURIComponent(a)}`;

      const linked = await t.request('PATCH', path(one), { awsAccountId: '123456789012' }, admin);
      expect(linked.status).toBe(200);
      expect(linked.body.awsAccountId).toBe('123456789012');
      const taken = await t.request('PATCH', path(two), { awsAccountId: '123456789012' }, admin);
      expect(taken.status).toBe(409);
      expect(taken.body.detail).toMatch(new RegExp(`already linked to \`${one}\``));
      const short = await t.request('PATCH', path(two), { awsAccountId: '12345' }, admin);
      expect(short.status).toBe(400);
      expect(short.body.detail).toMatch(/exactly 12 digits/);
      expect((await t.request('GET', path(two), undefined, admin)).body.awsAccountId).toBeUndefined();

      const read = await as(READ);
      const byId = await t.request('GET', '/api/v1/addresses?awsAccountId=123456789012', undefined, read);
      expect(byId.body.map((r: { address: string }) => r.address)).toEqual([one]);
      expect(
        (await t.request('GET', '/api/v1/addresses?awsAccountId=999999999999', undefined, read)).body,
      ).toEqual([]);
      const byOwner = await t.request('GET', `/api/v1/addresses?owner=${users.alice.upn}`, undefined, read);
      expect(byOwner.body.map((r: { address: string }) => r.address)).toEqual(
        expect.arrayContaining([one, two]),
      );
      expect((await t.request('GET', `/api/v1/addresses?address=${one}`, undefined, read)).body).toHaveLength(
        1,
      );
      expect((await t.request('GET', '/api/v1/addresses', undefined, read)).status).toBe(400);
      const unknown = await t.request('GET', path('nobody-here@contoso.com'), undefined, read);
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toMatch(/problem\+json/);
      expect((await t.request('GET', path('not an address'), undefined, read)).status).toBe(400);

      const moved = await t.request('PATCH', path(two), { owner: users.bob.upn }, admin);
      expect(moved.body.owner).toMatchObject({ id: users.bob.aadObjectId, name: users.bob.name });
      expect((await t.request('PATCH', path(two), { owner: users.alice.upn }, read)).status).toBe(403);

      const retired = await t.request('DELETE', `${path(one)}?reason=closed`, undefined, admin);
      expect(retired.status).toBe(200);
      expect(retired.body.state).toBe('quarantined');
      const twice = await t.request('DELETE', path(one), undefined, admin);
      expect(twice.status).toBe(409);
      expect(twice.body.detail).toMatch(/already retired/);
    });

    it('gives concurrent callers distinct addresses and the rest a clear "pool exhausted"', async () => {
      const status = await t.request('GET', '/api/v1/pool', undefined, await as(READ));
      const free = status.body.totals.free as number;
      expect(free).toBeGreaterThan(5);
      const headers = await as(ALLOCATE);
      const results = await Promise.all(
        Array.from({ length: free + 4 }, (_, i) =>
          t.request(
            'POST',
            '/api/v1/addresses',
            { accountName: `burst-${i}`, owner: users.alice.aadObjectId },
            headers,
          ),
        ),
      );
      const created = results.filter((r) => r.status === 201).map((r) => r.body.address);
      expect(new Set(created).size).toBe(free);
      const refused = results.filter((r) => r.status !== 201);
      expect(refused).toHaveLength(4);
      for (const r of refused) {
        expect(r.status).toBe(503);
        expect(r.body.detail).toMatch(/pool is exhausted/);
      }
    });

    it('describes itself in OpenAPI 3.1, without a token', async () => {
      const res = await t.request('GET', '/api/v1/openapi.json');
      expect(res.status).toBe(200);
      expect(res.body.openapi).toBe('3.1.0');
      expect(Object.keys(res.body.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/addresses',
          '/api/v1/addresses/{address}',
          '/api/v1/pool',
          '/api/v1/pool/import',
          '/api/v1/status',
        ]),
      );
    });
  },
);

describe('address API without API_* settings', () => {
  it('is never open: every call answers 404 "the HTTP API is off", saying how to turn it on', async () => {
    const t = await startTestApp();
    try {
      const res = await t.request('GET', '/api/v1/pool');
      expect(res.status).toBe(404);
      expect(res.body.detail).toMatch(
        /HTTP API is off: API authentication is not configured. Set API_AUDIENCE, API_ISSUER and API_JWKS_URL/,
      );
      const post = await t.request('POST', '/api/v1/addresses', { accountName: 'x-1', owner: 'a' });
      expect(post.status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
