import zlib from 'node:zlib';
import { personalMessage } from '../support/activities';
import { FakeGraph } from '../support/fakeGraph';
import { FakeGraphMailbox } from '../support/fakeGraphMailbox';
import { exchangeBytes, hostileBodies, RawAnswer, sendRaw } from '../support/rawHttp';
import { startTestApp, TestApp } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { users } from '../support/users';

/**
 * Issue 18, points 1 and 2: request bodies are read by our own reader (src/http/bodyReader.ts). A body whose
 * Content-Encoding lies (corrupt gzip, deflate or Brotli) is a 400, a bomb is a 413 as soon as the decoded
 * size passes the limit, an encoding we do not decode is a 415 — on every route family, and the app keeps
 * serving throughout. (restify's reader ended the process on the first corrupt gzip body and inflated bombs
 * whole.)
 */
const MAILBOX = 'rootmail@contoso.com';
const CLIENT_STATE = 'compressed-bodies-client-state';
const bodies = hostileBodies();

function expectProblem(answer: RawAnswer, status: number, detail: RegExp) {
  expect({ status: answer.status, type: answer.headers['content-type'] }).toEqual({
    status,
    type: expect.stringMatching(/^application\/problem\+json/),
  });
  expect(JSON.parse(answer.body)).toMatchObject({ status, detail: expect.stringMatching(detail) });
  expect(answer.body).not.toMatch(/Z_DATA_ERROR|zlib|restify|Error:|\bat \w/);
}

describe('compressed and hostile bodies, on every route family', () => {
  let deployed: TestApp; // Graph webhooks and the API configured
  let local: TestApp; // a local run: the tab's local sign-in
  let graph: FakeGraph;
  let issuer: TokenIssuer;
  let adminToken: Record<string, string>;

  beforeAll(async () => {
    graph = new FakeGraph();
    await graph.start();
    new FakeGraphMailbox(graph, MAILBOX);
    issuer = await new TokenIssuer().start();
    deployed = await startTestApp({
      env: {
        GRAPH_BASE_URL: graph.baseUrl,
        MAILBOX,
        PUBLIC_BASE_URL: 'http://127.0.0.1:3978',
        GRAPH_CLIENT_STATE: CLIENT_STATE,
        ...issuer.env(),
      },
    });
    local = await startTestApp();
    adminToken = await issuer.bearer({ roles: ['Addresses.Admin'] });
  });
  afterAll(async () => {
    await deployed.close();
    await local.close();
    await graph.stop();
    await issuer.stop();
  });

  /** One route of each family, with a body that is fine when sent plainly. */
  const routes = () => [
    {
      name: 'POST /api/messages',
      app: deployed,
      path: '/api/messages',
      headers: {},
      body: JSON.stringify(personalMessage(deployed.connector.url, users.alice, 'help')),
      plainStatus: 200,
    },
    {
      name: 'POST /api/graph/notifications',
      app: deployed,
      path: '/api/graph/notifications',
      headers: {},
      body: JSON.stringify({ value: [] }),
      plainStatus: 202,
    },
    {
      name: 'POST /api/graph/lifecycle',
      app: deployed,
      path: '/api/graph/lifecycle',
      headers: {},
      body: JSON.stringify({ value: [] }),
      plainStatus: 202,
    },
    {
      name: 'POST /api/v1/addresses',
      app: deployed,
      path: '/api/v1/addresses',
      headers: adminToken,
      body: JSON.stringify({ accountName: 'x' }),
      plainStatus: 400, // read and understood: the account name breaks the rules
    },
    {
      name: 'POST /tab/local-session',
      app: local,
      path: '/tab/local-session',
      headers: {},
      body: JSON.stringify({}),
      plainStatus: 200,
    },
  ];

  it.each(['gzip', 'deflate', 'br'] as const)(
    'answers 400 to a body that is not %s data, and a plain body still works right after',
    async (coding) => {
      for (const route of routes()) {
        const headers = { 'content-type': 'application/json', ...route.headers };
        const bad = await sendRaw(
          route.app.url,
          'POST',
          route.path,
          { ...headers, 'content-encoding': coding },
          bodies.corrupt[coding],
        );
        expectProblem(bad, 400, new RegExp(`not valid .*data`));
        const good = await sendRaw(route.app.url, 'POST', route.path, headers, route.body);
        expect({ route: route.name, status: good.status }).toEqual({
          route: route.name,
          status: route.plainStatus,
        });
      }
    },
  );

  it('answers 400 to a gzip stream that ends half-way', async () => {
    for (const route of routes()) {
      const answer = await sendRaw(
        route.app.url,
        'POST',
        route.path,
        { 'content-type': 'application/json', 'content-encoding': 'gzip', ...route.headers },
        bodies.corrupt.truncatedGzip,
      );
      expectProblem(answer, 400, /not valid gzip data/);
    }
  });

  it.each(['gzip', 'deflate', 'br'] as const)(
    'answers 413 to a %s bomb, counted after decompression, on every route',
    async (coding) => {
      expect(bodies.bombs[coding].length).toBeLessThan(256 * 1024); // small on the wire
      for (const route of routes()) {
        const answer = await sendRaw(
          route.app.url,
          'POST',
          route.path,
          { 'content-type': 'application/json', 'content-encoding': coding, ...route.headers },
          bodies.bombs[coding],
        );
        expectProblem(answer, 413, /larger than 256 KB \(counted after decompression\)/);
      }
    },
  );

  it('reads gzip, deflate and br bodies that are fine', async () => {
    const activity = JSON.stringify(personalMessage(deployed.connector.url, users.alice, 'help'));
    const encoders = { gzip: zlib.gzipSync, deflate: zlib.deflateSync, br: zlib.brotliCompressSync };
    for (const [coding, encode] of Object.entries(encoders)) {
      deployed.connector.clear();
      const answer = await sendRaw(
        deployed.url,
        'POST',
        '/api/messages',
        { 'content-type': 'application/json', 'content-encoding': coding },
        encode(Buffer.from(activity)),
      );
      expect({ coding, status: answer.status }).toEqual({ coding, status: 200 });
      await deployed.app.idle();
      expect(deployed.connector.sentMessages()).toHaveLength(1);
    }
  });

  it('refuses an encoding it does not decode with 415 and says which it does, before reading the body', async () => {
    for (const coding of ['zstd', 'compress', 'gzip, br', 'x-unheard-of']) {
      const answer = await sendRaw(
        deployed.url,
        'POST',
        '/api/messages',
        { 'content-type': 'application/json', 'content-encoding': coding },
        'whatever',
      );
      expectProblem(answer, 415, /uncompressed or as one of gzip, deflate, br/);
      expect(answer.headers['accept-encoding']).toBe('gzip, deflate, br');
    }
  });

  it('ignores a body on GET /healthz and GET /tab/ whatever it is, and closes that connection', async () => {
    for (const body of [bodies.corrupt.gzip, bodies.bombs.gzip]) {
      for (const [app, path] of [
        [deployed, '/healthz'],
        [local, '/tab/'],
      ] as const) {
        const answer = await sendRaw(app.url, 'GET', path, { 'content-encoding': 'gzip' }, body);
        expect({ path, status: answer.status, connection: answer.headers.connection }).toEqual({
          path,
          status: path === '/healthz' ? 200 : expect.any(Number),
          connection: 'close',
        });
      }
    }
  });

  it('answers 413 to a declared Content-Length over the limit without waiting for the body', async () => {
    const { received } = await exchangeBytes(
      deployed.url,
      'POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${10 * 1024 * 1024}\r\n\r\n{"type":`,
    );
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received).toMatch(/Connection: close/i);
  });

  it('keeps serving after all of it', async () => {
    deployed.connector.clear();
    const res = await deployed.send(personalMessage(deployed.connector.url, users.alice, 'help'));
    expect(res.status).toBe(200);
    expect(deployed.connector.sentMessages()).toHaveLength(1);
    expect((await deployed.request('GET', '/healthz')).status).toBe(200);
  });
});
