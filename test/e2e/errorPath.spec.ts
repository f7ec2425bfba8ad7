import { person } from '../../src/domain/permissions';
import { cardAction, personalConversationId, personalMessage } from '../support/activities';
import { poolCsv } from '../support/addressFixtures';
import { startCosmosServer } from '../support/cosmosServer';
import { FakeBotConnector } from '../support/fakeBotConnector';
import { startDirectory } from '../support/requestFlow';
import { startTestApp, TestApp, textOf } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { users } from '../support/users';

/**
 * The one error path, from outside: a request into every route while a dependency is down. Callers get a
 * problem+json (503 naming the dependency, with Retry-After, or 4xx in their own words), chat users one
 * sentence; never a stack, a class name or an error's own message. The server keeps serving.
 */
const INTERNALS =
  /\bat [\w.<>]+ \(|\.ts:\d+|node_modules|Error\b|ECONN|TypeError|Cannot read|undefined|DependencyUnavailable|SqliteError|RestError|statusCode/;

function expectNoInternals(body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? '');
  expect(text).not.toMatch(INTERNALS);
}

// Every row has all three cells: jest would take a missing one for its `done` callback.
const ROUTES: [string, string, unknown][] = [
  ['GET', '/api/v1/addresses?address=aws-1-1@contoso.com', undefined],
  ['GET', '/api/v1/addresses/aws-1-1@contoso.com', undefined],
  ['POST', '/api/v1/addresses', { accountName: 'broken-store', owner: { id: 'someone' } }],
  ['PATCH', '/api/v1/addresses/aws-1-1@contoso.com', { awsAccountId: '123456789012' }],
  ['DELETE', '/api/v1/addresses/aws-1-1@contoso.com', undefined],
  ['GET', '/api/v1/pool', undefined],
  ['POST', '/api/v1/pool/import', 'mailbox,address\npool-9@contoso.com,aws-9-1@contoso.com'],
  ['GET', '/api/v1/requests/req-0a1b2c3d', undefined],
];

describe('the one error path', () => {
  let issuer: TokenIssuer;
  beforeAll(async () => {
    issuer = await new TokenIssuer().start();
  });
  afterAll(async () => {
    await issuer.stop();
  });
  const admin = () => issuer.bearer({ oid: 'automation', roles: ['Addresses.Admin'] });

  describe('with the store (Cosmos DB) down', () => {
    let t: TestApp;
    beforeAll(async () => {
      const cosmos = await startCosmosServer();
      t = await startTestApp({
        store: 'cosmos',
        cosmos,
        env: { ...issuer.env(), ADMIN_IDS: users.carol.aadObjectId },
      });
      await t.app.services.pool.importCsv(poolCsv(1, 3), person('setup', 'setup', true));
      await cosmos.stop(); // the database goes away under the running app
    });
    afterAll(() => t.close());

    it.each(ROUTES)(
      '%s %s answers 503 naming Cosmos DB, with Retry-After and nothing internal',
      async (method, path, body) => {
        const headers = {
          ...(await admin()),
          ...(typeof body === 'string' ? { 'content-type': 'text/csv' } : {}),
        };
        const res = await t.request(method, path, body, headers);
        expect(res.status).toBe(503);
        expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(res.body).toMatchObject({
          status: 503,
          dependency: 'Cosmos DB',
          correlationId: expect.any(String),
        });
        expect(res.body.detail).toMatch(/Cosmos DB cannot be reached/);
        expectNoInternals(res.body);
        // The same correlation id is in the log, with the real error beside it.
        expect(
          t.logs.some((l) => l.includes(res.body.correlationId) && /ECONNREFUSED|Cosmos DB/.test(l)),
        ).toBe(true);
      },
    );

    it('answers a chat message with one sentence naming what is down, and a reference', async () => {
      t.connector.clear();
      const res = await t.send(personalMessage(t.connector.url, users.alice, 'list mine'));
      expect(res.status).toBe(200);
      const [reply] = t.connector.of('reply', personalConversationId(users.alice));
      expect(reply.body.text).toMatch(/I can't reach Cosmos DB right now.*\(Reference [0-9a-f]{12}\)/);
      expectNoInternals(reply.body.text);
    });

    it('answers a card click with the sentence as the invoke response', async () => {
      const res = await t.send(
        cardAction(
          t.connector.url,
          users.bob,
          'request.approve',
          { requestId: 'req-0a1b2c3d' },
          {
            id: personalConversationId(users.bob),
          },
        ),
      );
      expect(res.status).toBe(200);
      expect(res.body.value).toMatch(/I can't reach Cosmos DB right now/);
      expectNoInternals(res.body.value);
    });

    it('/healthz says unavailable (503) once the store stops answering, and names nothing internal', async () => {
      await t.app.runJobs();
      const res = await t.request('GET', '/healthz');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'unavailable', store: { reachable: false } });
      expectNoInternals(res.body);
    });

    it('GET /api/v1/status reports the store as not reachable, as 503', async () => {
      const res = await t.request('GET', '/api/v1/status', undefined, await admin());
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ store: { reachable: false } });
      expectNoInternals(res.body);
    });

    it('keeps serving: the API description still answers', async () => {
      expect((await t.request('GET', '/api/v1/openapi.json')).status).toBe(200);
    });
  });

  describe('with Microsoft Graph unreachable', () => {
    let t: TestApp;
    beforeAll(async () => {
      // A loopback port nobody listens on: connection refused, as when Graph cannot be reached.
      const closed = await startDirectory();
      const baseUrl = closed.baseUrl;
      await closed.stop();
      t = await startTestApp({ env: { ...issuer.env(), GRAPH_BASE_URL: baseUrl } });
    });
    afterAll(() => t.close());

    it('POST /api/v1/addresses (a request needing the manager) answers 503 naming Microsoft Graph', async () => {
      const res = await t.request(
        'POST',
        '/api/v1/addresses',
        { accountName: 'needs-a-manager' },
        await issuer.bearer({ oid: users.alice.aadObjectId }),
      );
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ dependency: 'Microsoft Graph' });
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expectNoInternals(res.body);
    });

    it('PATCH with a new owner answers 503 naming Microsoft Graph and changes nothing', async () => {
      const res = await t.request(
        'PATCH',
        '/api/v1/addresses/aws-1-1@contoso.com',
        { owner: 'bob@contoso.com' },
        await admin(),
      );
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ dependency: 'Microsoft Graph' });
      expectNoInternals(res.body);
    });

    it('`request` in chat answers in one sentence that the directory cannot be reached', async () => {
      t.connector.clear();
      await t.send(personalMessage(t.connector.url, users.alice, 'request needs-graph'));
      const [reply] = t.connector.of('reply');
      expect(textOf(reply.body)).toMatch(/I can't reach Microsoft Graph right now/);
      expectNoInternals(reply.body.text);
    });
  });

  describe('with the Bot Connector failing', () => {
    let t: TestApp;
    let connector: FakeBotConnector;
    beforeAll(async () => {
      connector = new FakeBotConnector();
      await connector.start();
      t = await startTestApp({ connector });
      await connector.stop(); // Teams cannot be reached for the reply
    });
    afterAll(() => t.close());

    it('answers the incoming activity without leaking the adapter error, and keeps serving', async () => {
      const res = await t.send(personalMessage(connector.url, users.alice, 'help'));
      expect([200, 500]).toContain(res.status);
      expectNoInternals(res.body);
      const health = await t.request('GET', '/healthz');
      expect(health.status).toBe(200);
    });
  });

  it('answers an unknown route and a malformed body as problem+json without internals', async () => {
    const t = await startTestApp();
    try {
      const missing = await t.request('GET', '/nope');
      expect(missing.status).toBe(404);
      expectNoInternals(missing.body);
      const bad = await t.request('POST', '/api/v1/addresses', '{"accountName":', {
        'content-type': 'application/json',
      });
      expect([400, 401, 503]).toContain(bad.status);
      expectNoInternals(bad.body);
    } finally {
      await t.close();
    }
  });
});
