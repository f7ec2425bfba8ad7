import http from 'node:http';
import type { Request } from 'restify';
import { notFromThisMachine } from '../../src/http/localSessions';
import { personalMessage } from '../support/activities';
import { startTestApp, TestApp } from '../support/testApp';
import { users } from '../support/users';
import { TokenIssuer } from '../support/tokenIssuer';

const ALEX = '00000000-0000-0000-0000-0000000000020'; // the local directory's first person (and admin)
const MEGAN = '00000000-0000-0000-0000-0000000000021';

/** A request with exactly these headers (fetch will not let a test set Host). */
function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string; json: any }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode!, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

const signIn = (t: TestApp, headers: Record<string, string> = {}, body: unknown = {}) =>
  call(t.url, 'POST', '/tab/local-session', headers, body);
const me = (t: TestApp, token: string, headers: Record<string, string> = {}) =>
  call(t.url, 'GET', '/api/v1/me', { authorization: `LocalSession ${token}`, ...headers });

describe('the tab’s page and its sign-in without Entra ID in a local run', () => {
  let local: TestApp;
  let issuer: TokenIssuer;
  beforeAll(async () => {
    issuer = await new TokenIssuer().start();
    local = await startTestApp({ env: issuer.env() });
  });
  afterAll(async () => {
    await local.close();
    await issuer.stop();
  });

  it('signs a browser on this machine in as the local directory’s first person, or the one it names', async () => {
    const first = await signIn(local);
    expect(first.status).toBe(200);
    expect(first.json.user).toEqual({ id: ALEX, name: 'Alex Wilber', upn: 'alexw@example.com' });
    expect(first.json.people.map((p: { name: string }) => p.name)).toContain('Megan Bowen');
    const alex = await me(local, first.json.token);
    expect(alex.json).toEqual({ id: ALEX, name: 'Alex Wilber', admin: true, kind: 'user' });

    const megan = await signIn(local, {}, { userId: MEGAN });
    expect((await me(local, megan.json.token)).json).toMatchObject({ name: 'Megan Bowen', admin: false });
    expect((await signIn(local, {}, { userId: 'nobody' })).status).toBe(404);
  });

  it('refuses a made-up session, and one of another run of the app', async () => {
    const forged = `${Buffer.from(ALEX).toString('base64url')}.not-the-signature`;
    expect((await me(local, forged)).status).toBe(401);
    const other = await startTestApp({ env: issuer.env() });
    try {
      const theirs = (await signIn(other)).json.token;
      const res = await me(local, theirs);
      expect(res.status).toBe(401);
      expect(res.json.detail).toMatch(/sign in again/);
    } finally {
      await other.close();
    }
  });

  it('refuses pages of other sites and DNS rebinding: another Host, another Origin, a cross-site fetch', async () => {
    const { token } = (await signIn(local)).json;
    // Another Host or Origin: a local run refuses them on every route, before any route sees them.
    for (const headers of <Record<string, string>[]>[
      { host: 'rootmail.attacker.example' },
      { origin: 'https://attacker.example' },
    ]) {
      const refused = await signIn(local, headers);
      expect(refused.status).toBe(403);
      expect(refused.json.detail).toMatch(/loopback name only|pages of this machine only/);
      expect((await me(local, token, headers)).status).toBe(403);
      // The bot's endpoint too: a page could otherwise chat as any local person.
      local.connector.clear();
      const chat = await call(
        local.url,
        'POST',
        '/api/messages',
        headers,
        personalMessage(local.connector.url, users.alice, 'help'),
      );
      expect(chat.status).toBe(403);
      expect(local.connector.calls).toEqual([]);
    }
    // A cross-site fetch that names this machine: the local sign-in refuses it itself.
    const crossSite = { 'sec-fetch-site': 'cross-site' };
    const refused = await signIn(local, crossSite);
    expect(refused.status).toBe(403);
    expect(refused.json.detail).toMatch(/No local session/);
    expect((await me(local, token, crossSite)).status).toBe(401);
    // localhost by name, and a page of the app itself, are this machine.
    expect((await signIn(local, { host: 'localhost', origin: local.url })).status).toBe(200);
  });

  it('accepts only loopback peers', () => {
    const req = (remoteAddress: string, host = '127.0.0.1:3978') =>
      ({ socket: { remoteAddress }, headers: { host } }) as unknown as Request;
    expect(notFromThisMachine(req('127.0.0.1'))).toBeUndefined();
    expect(notFromThisMachine(req('::1', '[::1]:3978'))).toBeUndefined();
    expect(notFromThisMachine(req('::ffff:127.0.0.1'))).toBeUndefined();
    expect(notFromThisMachine(req('10.1.2.3'))).toMatch(/does not come from this machine/);
    expect(notFromThisMachine(req('::ffff:192.168.1.9'))).toMatch(/does not come from this machine/);
  });

  it('serves the tab framable by Teams only, its settings in the page, its assets cached for good', async () => {
    const page = await call(local.url, 'GET', '/tab/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['x-frame-options']).toBeUndefined();
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(
      /frame-ancestors 'self' https:\/\/teams\.microsoft\.com https:\/\/\*\.teams\.microsoft\.com/,
    );
    expect(csp).toMatch(/script-src 'self';/);
    const settings = JSON.parse(
      /name="rootmail-tab-settings" content="([^"]+)"/
        .exec(page.text)![1]
        .replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c))),
    );
    expect(settings).toEqual({
      signIn: {
        clientId: issuer.clientId,
        scope: 'api://rootmail-test/access_as_user',
        authority: 'https://login.microsoftonline.com/test-tenant',
      },
      localSignIn: true,
    });
    const entry = /src="\.\/assets\/([^"]+\.js)"/.exec(page.text)![1];
    const asset = await call(local.url, 'GET', `/tab/assets/${entry}`);
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/text\/javascript/);
    expect(asset.headers['cache-control']).toMatch(/immutable/);
    expect((await call(local.url, 'GET', '/tab/assets/..%2F..%2Fpackage.json')).status).toBe(404);
    expect((await call(local.url, 'GET', '/tab/assets/nothing.js')).status).toBe(404);
    // Everything else stays unframable.
    expect((await call(local.url, 'GET', '/healthz')).headers['x-frame-options']).toBe('DENY');
  });
});

describe('a deployment has no local sign-in at all', () => {
  it.each([
    [
      'a Bot Framework app id',
      { MicrosoftAppId: '6f1c3a52-8d2e-4b7a-9c01-2e5d7f4a9b10', MicrosoftAppPassword: 'secret' },
      'embedded',
    ],
    ['Cosmos DB', {}, 'cosmos'],
  ] as const)(
    'with %s: no sign-in route, LocalSession refused, the page says so',
    async (_what, env, store) => {
      const issuer = await new TokenIssuer().start();
      const deployed = await startTestApp({ env: { ...issuer.env(), ...env }, store });
      try {
        expect((await signIn(deployed)).status).toBe(404);
        const local = await startTestApp({ env: issuer.env() });
        const token = (await signIn(local)).json.token;
        await local.close();
        const res = await me(deployed, token);
        expect(res.status).toBe(401);
        expect(res.json.detail).toMatch(/Local sessions exist only in a local run/);
        const page = await call(deployed.url, 'GET', '/tab/');
        expect(page.text).toContain('&#34;localSignIn&#34;:false');
        const bearer = await call(
          deployed.url,
          'GET',
          '/api/v1/me',
          await issuer.bearer({ scp: 'access_as_user', name: 'Alex' }),
        );
        expect(bearer.json).toMatchObject({ kind: 'user', name: 'Alex' });
      } finally {
        await deployed.close();
        await issuer.stop();
      }
    },
  );
});
