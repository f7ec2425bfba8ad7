import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('runs locally with no settings at all: embedded store, anonymous bot, defaults from DESIGN.md', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3978);
    expect(config.storage).toEqual({ kind: 'embedded', dataDir: './data' });
    expect(config.bot.appId).toBe('');
    expect(config.graph.baseUrl).toBe('https://graph.microsoft.com/v1.0');
    expect(config.addresses).toMatchObject({ strategy: 'pool', quarantineDays: 90 });
    expect(config.timers).toEqual({ reminderHours: 24, expiryHours: 72, secretTtlMinutes: 30 });
    expect(config.smtp).toBeUndefined();
  });

  it('chooses Cosmos DB when COSMOS_ENDPOINT is set, with the default database name and background share', () => {
    const config = loadConfig({
      COSMOS_ENDPOINT: 'https://acct.documents.azure.com:443/',
      MicrosoftAppId: 'app-id', // a real database makes it a deployment (test/security/anonymousMode.spec.ts)
      MicrosoftAppPassword: 'secret',
      AZURE_TENANT_ID: 'tenant',
    });
    expect(config.storage).toEqual({
      kind: 'cosmos',
      endpoint: 'https://acct.documents.azure.com:443/',
      key: undefined,
      database: 'rootmail',
      backgroundRuPerSecond: 500,
    });
  });

  it('reads roles as lower-case id lists and knows a loopback Graph fake', () => {
    const config = loadConfig({ ADMIN_IDS: ' AAA-1 , bbb-2', GRAPH_BASE_URL: 'http://127.0.0.1:9999/v1.0/' });
    expect(config.roles.adminIds).toEqual(['aaa-1', 'bbb-2']);
    expect(config.graph).toMatchObject({ baseUrl: 'http://127.0.0.1:9999/v1.0', isLoopbackFake: true });
  });

  it('lists every problem at once, each naming the setting and what to fix', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        PORT: 'eighty',
        ADDRESS_STRATEGY: 'random',
        QUARANTINE_DAYS: '-3',
        MicrosoftAppId: 'abc',
        COSMOS_ENDPOINT: 'not a url',
        API_AUDIENCE: 'api://rootmail',
      });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error!.problems.join('\n');
    expect(text).toMatch(/PORT must be a whole number/);
    expect(text).toMatch(/ADDRESS_STRATEGY must be pool or plus/);
    expect(text).toMatch(/QUARANTINE_DAYS must be at least 0/);
    expect(text).toMatch(/COSMOS_ENDPOINT must be a URL/);
    expect(error!.problems.length).toBeGreaterThanOrEqual(4);
  });

  it('checks rules between settings', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ MicrosoftAppId: 'abc' }).join()).toMatch(/MicrosoftAppPassword is required/);
    expect(problems({ ADDRESS_STRATEGY: 'plus' }).join()).toMatch(/PLUS_ADDRESS is required/);
    expect(problems({ ADDRESS_STRATEGY: 'plus', PLUS_ADDRESS: 'aws+x@contoso.com' }).join()).toMatch(
      /without a "\+" part/,
    );
    expect(problems({ API_AUDIENCE: 'api://x' }).join()).toMatch(/API_ISSUER is required/);
    expect(problems({ MAILBOX: 'root@contoso.com' }).join()).toMatch(/GRAPH_CLIENT_STATE is required/);
    expect(problems({ REMINDER_HOURS: '80' }).join()).toMatch(
      /REMINDER_HOURS must be less than EXPIRY_HOURS/,
    );
    expect(problems({ MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppId: 'x' }).join()).toMatch(
      /MicrosoftAppTenantId is required/,
    );
  });

  it('reads extra AWS sender domains, and refuses what is not a registrable domain', () => {
    expect(loadConfig({}).mail.extraSenderDomains).toEqual([]);
    expect(
      loadConfig({ AWS_EXTRA_SENDER_DOMAINS: ' Amazon.co.JP , email.amazon.de,' }).mail.extraSenderDomains,
    ).toEqual(['amazon.co.jp', 'email.amazon.de']);
    let error: ConfigError | undefined;
    try {
      loadConfig({ AWS_EXTRA_SENDER_DOMAINS: 'amazon.co.jp,com,co.uk' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.problems).toEqual([
      expect.stringMatching(/^AWS_EXTRA_SENDER_DOMAINS must list sender domains: "com" is not a domain name/),
      expect.stringMatching(
        /^AWS_EXTRA_SENDER_DOMAINS must list sender domains: "co\.uk" is a public suffix/,
      ),
    ]);
  });

  it('keeps the SMTP source on loopback unless told, and needs the allowed clients off loopback', () => {
    expect(loadConfig({ SMTP_PORT: '2525' }).smtp).toMatchObject({
      host: '127.0.0.1',
      allowedClients: [{ text: '127.0.0.0/8' }, { text: '::1/128' }],
      trustedAuthservIds: [],
    });
    expect(() => loadConfig({ SMTP_PORT: '2525', SMTP_HOST: '0.0.0.0' })).toThrow(
      /SMTP_ALLOWED_CLIENTS is required when SMTP_HOST \(0\.0\.0\.0\) is not loopback/,
    );
    const open = loadConfig({
      SMTP_PORT: '2525',
      SMTP_HOST: '::',
      SMTP_ALLOWED_CLIENTS: '10.0.0.0/8, 2001:db8::/32',
      SMTP_TRUSTED_AUTHSERV_ID: 'MX.Contoso.com',
    }).smtp;
    expect(open).toMatchObject({ host: '::', trustedAuthservIds: ['mx.contoso.com'] });
    expect(open!.allowedClients.map((r) => r.text)).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    expect(() => loadConfig({ SMTP_PORT: '25', SMTP_ALLOWED_CLIENTS: '10.0.0.0/33' })).toThrow(
      /SMTP_ALLOWED_CLIENTS must list CIDRs: 10\.0\.0\.0\/33 has a prefix length outside 0–32/,
    );
    expect(() =>
      loadConfig({ SMTP_PORT: '25', SMTP_TRUSTED_AUTHSERV_ID: 'mx.contoso.com; dkim=pass' }),
    ).toThrow(/SMTP_TRUSTED_AUTHSERV_ID must be the relay's authserv-id/);
  });

  it('sets the HTTP timeouts and the connection cap on purpose, and checks they fit together', () => {
    expect(loadConfig({}).http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 512,
    });
    expect(() =>
      loadConfig({ HTTP_HEADERS_TIMEOUT_SECONDS: '60', HTTP_REQUEST_TIMEOUT_SECONDS: '30' }),
    ).toThrow(/HTTP_HEADERS_TIMEOUT_SECONDS must not be more than HTTP_REQUEST_TIMEOUT_SECONDS \(30\)/);
    expect(() => loadConfig({ HTTP_MAX_CONNECTIONS: '0' })).toThrow(
      /HTTP_MAX_CONNECTIONS must be at least 1/,
    );
  });

  describe('a local run and its stand-ins', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (err) {
        return (err as ConfigError).problems.join('\n');
      }
    };

    it('is what no settings give: the local directory in DATA_DIR and a demo pool', () => {
      expect(loadConfig({})).toMatchObject({
        directory: { kind: 'local', dataDir: './data' },
        demoPool: true,
        graph: { baseUrl: 'https://graph.microsoft.com/v1.0', isLoopbackFake: false },
      });
      expect(loadConfig({ DATA_DIR: '/tmp/x', DEMO_POOL: 'false' })).toMatchObject({
        directory: { kind: 'local', dataDir: '/tmp/x' },
        demoPool: false,
      });
    });

    it.each([
      ['GRAPH_BASE_URL', 'https://graph.microsoft.com/v1.0'],
      ['GRAPH_BASE_URL', 'http://127.0.0.1:9999/v1.0'],
      ['AZURE_TENANT_ID', '72f988bf-86f1-41af-91ab-2d7cd011db47'],
      ['AZURE_CLIENT_ID', '11111111-2222-3333-4444-555555555555'],
    ])(
      'ends as soon as Microsoft Graph is configured (%s=%s): Graph directory, no demo pool',
      (name, value) => {
        expect(loadConfig({ [name]: value })).toMatchObject({
          directory: { kind: 'graph' },
          demoPool: false,
        });
      },
    );

    it('ends with MAILBOX (read through Graph) too', () => {
      // Without an app id a real MAILBOX makes a deployment that refuses to start (anonymousMode.spec.ts).
      const config = loadConfig(
        { MAILBOX: 'root@contoso.com', GRAPH_CLIENT_STATE: 'secret' },
        { guardAnonymousBot: false },
      );
      expect(config.directory).toEqual({ kind: 'graph' });
    });

    it('is refused in a deployment: a Bot Framework app id or Cosmos DB needs Microsoft Graph, in one message', () => {
      const deployment =
        /AZURE_TENANT_ID is required when (MicrosoftAppId|COSMOS_ENDPOINT) is set: a deployment reads users and managers from Microsoft Graph .* the local directory \(DATA_DIR\/local-directory.json\) serves local runs only/;
      expect(problems({ MicrosoftAppId: 'app', MicrosoftAppPassword: 'secret' })).toMatch(deployment);
      expect(problems({ COSMOS_ENDPOINT: 'https://acct.documents.azure.com:443/' })).toMatch(deployment);
      expect(
        problems({ COSMOS_ENDPOINT: 'https://acct.documents.azure.com:443/', DEMO_POOL: 'true' }),
      ).toMatch(deployment);
      expect(
        problems({ MicrosoftAppId: 'app', MicrosoftAppPassword: 'secret', AZURE_TENANT_ID: 'tenant' }),
      ).toBe('');
      expect(
        loadConfig({
          COSMOS_ENDPOINT: 'https://acct.documents.azure.com:443/',
          AZURE_CLIENT_ID: 'id',
          MicrosoftAppId: 'app',
          MicrosoftAppPassword: 'secret',
        }),
      ).toMatchObject({ directory: { kind: 'graph' }, demoPool: false });
    });

    it('installs the app for approvers only when asked, with the catalog id and Graph', () => {
      expect(loadConfig({ AZURE_TENANT_ID: 't' }).appInstall).toBeUndefined();
      expect(problems({ INSTALL_APP_FOR_APPROVERS: 'true', AZURE_TENANT_ID: 't' })).toMatch(
        /TEAMS_APP_CATALOG_ID is required when INSTALL_APP_FOR_APPROVERS is true/,
      );
      expect(problems({ INSTALL_APP_FOR_APPROVERS: 'true', TEAMS_APP_CATALOG_ID: 'c' })).toMatch(
        /INSTALL_APP_FOR_APPROVERS needs Microsoft Graph/,
      );
      expect(
        loadConfig({ INSTALL_APP_FOR_APPROVERS: 'true', TEAMS_APP_CATALOG_ID: 'c', AZURE_TENANT_ID: 't' })
          .appInstall,
      ).toEqual({ teamsAppCatalogId: 'c' });
    });

    it('stops the compiled app when a deployment has no Graph settings, saying so in one line', () => {
      const result = spawnSync(process.execPath, ['dist/src/main/index.js'], {
        cwd: path.join(__dirname, '..'),
        env: {
          PATH: process.env.PATH,
          COSMOS_ENDPOINT: 'https://acct.documents.azure.com:443/',
          PORT: '0',
        },
        encoding: 'utf8',
        timeout: 30000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/RootMail cannot start/);
      expect(result.stderr).toMatch(
        /- AZURE_TENANT_ID is required when COSMOS_ENDPOINT is set: .*local directory .* serves local runs only/,
      );
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });
  });

  it('makes the process exit 1 with the list and no stack trace', () => {
    const result = spawnSync(process.execPath, ['dist/src/main/index.js'], {
      cwd: path.join(__dirname, '..'),
      env: { ...process.env, PORT: 'x', ADDRESS_STRATEGY: 'nope' },
      encoding: 'utf8',
      timeout: 30000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/RootMail cannot start/);
    expect(result.stderr).toMatch(/PORT/);
    expect(result.stderr).toMatch(/ADDRESS_STRATEGY/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
