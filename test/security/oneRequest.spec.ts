import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { personalMessage } from '../support/activities';
import { AppProcess, startAppProcess } from '../support/appProcess';
import { FakeBotConnector } from '../support/fakeBotConnector';
import { pollUntil } from '../support/pollUntil';
import { hostileBodies, sendRaw } from '../support/rawHttp';
import { UNREACHABLE_GRAPH } from '../support/testApp';
import { users } from '../support/users';

/**
 * Issue 18, point 1: one request must not take the process down. The compiled app, started as production
 * starts it, gets a corrupt gzip body (and a bomb) on every route family and a Host header its router cannot
 * read; it answers each and keeps serving (restify's body reader ended the process on the first one). Behind
 * that, the process guard (src/main/processGuard.ts) keeps serving through what one request breaks anywhere.
 */
const ROOT = path.join(__dirname, '..', '..');

describe('the real process, against requests that used to end it', () => {
  let app: AppProcess;
  let connector: FakeBotConnector;
  let dataDir: string;

  beforeAll(async () => {
    connector = new FakeBotConnector();
    await connector.start();
    dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-one-request-'));
    app = await startAppProcess({
      DATA_DIR: dataDir,
      // The Graph webhooks exist with a mailbox; Graph itself is a loopback address nobody answers on.
      GRAPH_BASE_URL: UNREACHABLE_GRAPH,
      MAILBOX: 'rootmail@contoso.com',
      GRAPH_CLIENT_STATE: 'one-request-client-state',
      PUBLIC_BASE_URL: 'http://127.0.0.1:3978',
    });
  });
  afterAll(async () => {
    await app.crash();
    await connector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const FAMILIES: [string, string][] = [
    ['POST', '/api/messages'],
    ['POST', '/api/graph/notifications'],
    ['POST', '/api/graph/lifecycle'],
    ['POST', '/api/v1/pool/import'],
    ['POST', '/api/dev/mail'],
    ['GET', '/healthz'],
    ['GET', '/tab/'],
  ];

  it('answers a corrupt gzip body and a gzip bomb on every route family, and is still there', async () => {
    const { corrupt, bombs } = hostileBodies();
    for (const [method, route] of FAMILIES) {
      for (const body of [corrupt.gzip, bombs.gzip]) {
        const answer = await sendRaw(
          app.url,
          method,
          route,
          { 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body,
        );
        expect({ route, status: answer.status < 500 }).toEqual({ route, status: true });
      }
    }
    expect(app.child.exitCode).toBeNull();
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });

  it('answers 400 to a Host header its router cannot read, and is still there', async () => {
    for (const host of ['a b', '[::1', 'x:99999999']) {
      const answer = await sendRaw(app.url, 'GET', '/healthz', { host });
      expect({ host, status: answer.status }).toEqual({ host, status: 400 });
    }
    expect(app.child.exitCode).toBeNull();
  });

  it('still has a conversation after all of it', async () => {
    const res = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(personalMessage(connector.url, users.alice, 'help')),
    });
    expect(res.status).toBe(200);
    await pollUntil(() => connector.sentMessages().length === 1, 'the help answer');
    expect(app.output()).not.toMatch(/Unhandled 'error' event|uncaught error outside any request/);
  });
});

/**
 * The guard itself, in a process of its own: a server whose request handlers leave a stream's error
 * unhandled and throw from a callback — as a library bug would — and background work that throws outside any
 * request.
 */
describe('the process guard', () => {
  const script = `
    const http = require('node:http');
    const zlib = require('node:zlib');
    const { RequestScope } = require('./dist/src/http/requestScope');
    const { installProcessGuard } = require('./dist/src/main/processGuard');
    const { createLogger } = require('./dist/src/log/logger');
    const scope = new RequestScope();
    const server = http.createServer((req, res) => {
      if (req.url === '/unhandled-stream') return void req.pipe(zlib.createGunzip()).resume();
      if (req.url === '/throw-later') return void setImmediate(() => { throw new TypeError('a bug'); });
      res.end('fine');
    });
    scope.enclose(server);
    installProcessGuard(process, { logger: createLogger('info'), scope, exit: (code) => process.exit(code) });
    process.stdin.on('data', () => setImmediate(() => { throw new Error('background work broke'); }));
    server.listen(0, '127.0.0.1', () => console.log('PORT=' + server.address().port));
  `;

  it('answers 500 for the request that broke, keeps serving, and exits 1 on an error outside any request', async () => {
    const child = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await pollUntil(
        () => /PORT=\d+/.test(output),
        () => `the server to start:\n${output}`,
      );
      const base = `http://127.0.0.1:${/PORT=(\d+)/.exec(output)![1]}`;

      const stream = await sendRaw(base, 'POST', '/unhandled-stream', {}, 'not gzip');
      expect(stream.status).toBe(500);
      expect(JSON.parse(stream.body)).toMatchObject({ status: 500, correlationId: expect.any(String) });
      const thrown = await sendRaw(base, 'GET', '/throw-later', {});
      expect(thrown.status).toBe(500);
      expect((await sendRaw(base, 'GET', '/', {})).body).toBe('fine');
      expect(output).toMatch(/uncaught error of one request or stream; the process keeps serving/);
      expect(output).toMatch(/"path":"\/unhandled-stream"/);

      child.stdin.write('go\n');
      expect(await exited).toBe(1);
      expect(output).toMatch(/"level":"fatal".*background work broke/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
