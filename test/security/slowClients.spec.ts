import net from 'node:net';
import { personalMessage } from '../support/activities';
import { pollUntil } from '../support/pollUntil';
import { exchangeBytes } from '../support/rawHttp';
import { startTestApp, TestApp } from '../support/testApp';
import { users } from '../support/users';

/**
 * Issue 18, point 5: connections are held to timeouts and a cap set on purpose (HTTP_HEADERS_TIMEOUT_SECONDS,
 * HTTP_REQUEST_TIMEOUT_SECONDS, HTTP_MAX_CONNECTIONS), and lengths that lie are nobody's problem but the
 * liar's. Node's defaults (60 s for the headers, 5 minutes for the request, no cap) let a handful of slow
 * clients hold the server for minutes.
 */
describe('slow and lying clients', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        HTTP_HEADERS_TIMEOUT_SECONDS: '1',
        HTTP_REQUEST_TIMEOUT_SECONDS: '2',
        HTTP_MAX_CONNECTIONS: '6',
      },
    });
  });
  afterAll(() => t.close());

  const activity = () => JSON.stringify(personalMessage(t.connector.url, users.alice, 'help'));
  const head = (length: number | string, extra = '') =>
    `POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;

  it('answers 408 and closes a connection that sends only a request line, after the headers timeout', async () => {
    const started = Date.now();
    const { received, closedByServer } = await exchangeBytes(t.url, 'POST /api/messages HTTP/1.1\r\n', 8_000);
    expect(closedByServer).toBe(true);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(4_000); // 1 s, checked every second
  });

  it('cuts off a body that trickles in, after the request timeout', async () => {
    const { port } = new URL(t.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (d) => (received += d));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write(head(10_000));
    const started = Date.now();
    const trickle = setInterval(() => socket.writable && socket.write('{'), 200);
    await closed;
    clearInterval(trickle);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers 408 to a Content-Length longer than what is sent', async () => {
    const body = activity();
    const { received, closedByServer } = await exchangeBytes(t.url, head(body.length + 50) + body, 8_000);
    expect(closedByServer).toBe(true);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('reads exactly Content-Length bytes when more are sent: the rest is a malformed request, 400, connection closed', async () => {
    const body = activity();
    const { received, closedByServer } = await exchangeBytes(t.url, head(10) + body);
    expect(closedByServer).toBe(true);
    // What follows the ten bytes is not HTTP: Node answers 400 and drops the connection.
    expect(received).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('refuses Content-Length beside chunked transfer, and a Content-Length that is not a number', async () => {
    for (const request of [
      head(5, 'Transfer-Encoding: chunked\r\n') + '5\r\nhello\r\n0\r\n\r\n',
      head('12abc') + '{}',
      head('5, 7') + '{}',
    ]) {
      const { received, closedByServer } = await exchangeBytes(t.url, request);
      expect({ request, closedByServer, status: received.slice(0, 12) }).toEqual({
        request,
        closedByServer: true,
        status: 'HTTP/1.1 400',
      });
    }
  });

  it('refuses connections beyond HTTP_MAX_CONNECTIONS at once, serves again when they go, and logs it', async () => {
    const http = t.app.server.server;
    const connections = () => new Promise<number>((resolve) => http.getConnections((_e, n) => resolve(n)));
    await pollUntil(async () => (await connections()) === 0, 'idle connections to close', 10_000);
    const held: net.Socket[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const socket = net.connect(Number(new URL(t.url).port), '127.0.0.1');
        socket.on('error', () => undefined);
        held.push(socket);
      }
      await pollUntil(async () => (await connections()) === 6, 'six connections held');
      const extra = await exchangeBytes(t.url, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 3_000);
      expect(extra).toEqual({ received: '', closedByServer: true });
      expect(t.logs.some((l) => l.includes('HTTP_MAX_CONNECTIONS reached'))).toBe(true);
    } finally {
      held.forEach((s) => s.destroy());
    }
    await pollUntil(async () => (await connections()) === 0, 'the held connections to close');
    expect((await t.request('GET', '/healthz')).status).toBe(200);
  });

  it('still answers a well-behaved client after all of it', async () => {
    const res = await t.send(personalMessage(t.connector.url, users.alice, 'help'));
    expect(res.status).toBe(200);
  });
});
