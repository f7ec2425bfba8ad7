import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { AppProcess, startAppProcess } from '../support/appProcess';

/**
 * Anonymous mode (no MicrosoftAppId: the bot accepts any activity without a token) exists for local runs:
 * the process listens on loopback only and refuses to start with settings that make it a deployment.
 */
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

/** Every deployment reads people from Microsoft Graph (an Entra identity); alone they are no deployment setting. */
const GRAPH = { AZURE_TENANT_ID: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890', AZURE_CLIENT_ID: 'client' };
const BOT = {
  MicrosoftAppId: '3c9f1b7e-2a4d-4e8f-9b6c-1d2e3f4a5b6c',
  MicrosoftAppPassword: 'secret',
  ...GRAPH,
};
const API = {
  API_AUDIENCE: 'api://rootmail',
  API_ISSUER: 'https://login.microsoftonline.com/t/v2.0',
  API_JWKS_URL: 'https://login.microsoftonline.com/t/discovery/v2.0/keys',
};

describe('anonymous mode: settings', () => {
  it.each<[string, Record<string, string>]>([
    ['COSMOS_ENDPOINT', { COSMOS_ENDPOINT: 'https://acct.documents.azure.com:443/' }],
    ['MAILBOX', { MAILBOX: 'rootmail@contoso.com', GRAPH_CLIENT_STATE: 's3cret' }],
    ['PUBLIC_BASE_URL', { PUBLIC_BASE_URL: 'https://rootmail.contoso.com' }],
    ['API_AUDIENCE', API],
    [
      'APPLICATIONINSIGHTS_CONNECTION_STRING',
      { APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x' },
    ],
    [
      'AWS_ROLE_ARN',
      { AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/rootmail', AWS_WEB_IDENTITY_AUDIENCE: 'api://aws' },
    ],
    ['TRUSTED_SERVICE_URLS', { TRUSTED_SERVICE_URLS: 'https://smba.example.cn' }],
    ['WEBSITE_SITE_NAME', { WEBSITE_SITE_NAME: 'rootmail-prod' }],
    ['CONTAINER_APP_NAME', { CONTAINER_APP_NAME: 'rootmail' }],
  ])('refuses %s without an app id, and accepts it with one', (name, env) => {
    const problems = problemsOf({ ...GRAPH, ...env });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^MicrosoftAppId is required/);
    expect(problems[0]).toContain(name);
    expect(problemsOf({ ...env, ...BOT })).toEqual([]);
  });

  it('names every deployment setting present in one message', () => {
    const [problem] = problemsOf({
      ...GRAPH,
      COSMOS_ENDPOINT: 'https://acct.documents.azure.com:443/',
      MAILBOX: 'rootmail@contoso.com',
      GRAPH_CLIENT_STATE: 's3cret',
      PUBLIC_BASE_URL: 'https://rootmail.contoso.com',
      ...API,
    });
    for (const name of [
      'COSMOS_ENDPOINT',
      'MAILBOX',
      'PUBLIC_BASE_URL',
      'API_AUDIENCE',
      'API_ISSUER',
      'API_JWKS_URL',
    ])
      expect(problem).toContain(name);
    expect(problem).toMatch(/Set MicrosoftAppId/);
  });

  it('keeps local runs with loopback fakes anonymous: Cosmos emulator, fake Graph mailbox, loopback URLs', () => {
    expect(
      problemsOf({
        COSMOS_ENDPOINT: 'https://localhost:8081/',
        GRAPH_BASE_URL: 'http://127.0.0.1:9999/v1.0',
        MAILBOX: 'rootmail@contoso.com',
        GRAPH_CLIENT_STATE: 's3cret',
        PUBLIC_BASE_URL: 'http://127.0.0.1:3978',
        TRUSTED_SERVICE_URLS: 'http://127.0.0.1:4000',
        ADMIN_IDS: 'aaa-1',
      }),
    ).toEqual([]);
  });

  it('reads TRUSTED_SERVICE_URLS as origins, https only except loopback', () => {
    const config = loadConfig({
      ...BOT,
      TRUSTED_SERVICE_URLS: 'https://*.smba.example.cn, http://127.0.0.1:4000/',
    });
    expect(config.bot.trustedServiceUrls).toEqual([
      { scheme: 'https:', host: 'smba.example.cn', wildcard: true, port: '' },
      { scheme: 'http:', host: '127.0.0.1', wildcard: false, port: '4000' },
    ]);
    const problems = problemsOf({
      ...BOT,
      TRUSTED_SERVICE_URLS: 'http://evil.example, ftp://x, https://a/b?c',
    });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/plain http is allowed for loopback only/);
  });

  it('knows a single-tenant bot by its type and tenant, for activities and API tokens', () => {
    const tenant = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
    // API tokens are held to the tenant the issuers name; an issuer that names none (a common endpoint)
    // falls back to a single-tenant bot's own tenant.
    const common = { ...API, API_ISSUER: 'https://login.microsoftonline.com/organizations/v2.0' };
    const single = loadConfig({
      ...BOT,
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: tenant.toUpperCase(),
      ...common,
    });
    expect(single.bot.servedTenantId).toBe(tenant);
    expect(single.api?.tenantId).toBe(tenant);
    const multi = loadConfig({ ...BOT, MicrosoftAppTenantId: tenant, ...common });
    expect(multi.bot.servedTenantId).toBeUndefined();
    expect(multi.api?.tenantId).toBeUndefined();
    expect(loadConfig({ ...BOT, ...API }).api?.tenantId).toBe('t');
  });
});

describe('anonymous mode: the real process', () => {
  let dataDir: string;
  let app: AppProcess | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-anon-'));
  });
  afterEach(async () => {
    await app?.crash();
    app = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to start with deployment settings and no app id: exit 1, one message naming them', () => {
    const result = spawnSync(process.execPath, ['dist/src/main/index.js'], {
      cwd: path.join(__dirname, '..', '..'),
      env: {
        PATH: process.env.PATH ?? '',
        DATA_DIR: dataDir,
        ...GRAPH,
        COSMOS_ENDPOINT: 'https://acct.documents.azure.com:443/',
        PUBLIC_BASE_URL: 'https://rootmail.contoso.com',
        ...API,
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/RootMail cannot start/);
    expect(result.stderr).toMatch(
      /MicrosoftAppId is required: COSMOS_ENDPOINT, PUBLIC_BASE_URL, API_AUDIENCE/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).not.toMatch(/listening/);
  });

  it('without an app id listens on 127.0.0.1 only, and says so', async () => {
    app = await startAppProcess({ DATA_DIR: dataDir });
    expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(app.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(loopback only/);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);

    // From another interface of this machine the port is closed.
    const port = Number(new URL(app.url).port);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (external) await expect(connect(external, port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('with an app id listens on every interface, and says so', async () => {
    app = await startAppProcess({ DATA_DIR: dataDir, ...BOT });
    expect(app.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    expect(app.output()).toMatch(/\(all interfaces\)/);
    const port = Number(new URL(app.url).port);
    await expect(connect('127.0.0.1', port)).resolves.toBeUndefined();
  });
});

function connect(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: 5_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error('timeout'));
    });
    socket.once('error', reject);
  });
}
