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

  it('chooses Cosmos DB when COSMOS_ENDPOINT is set, with the default database name', () => {
    const config = loadConfig({
      COSMOS_ENDPOINT: 'https://acct.documents.azure.com:443/',
      MicrosoftAppId: 'app-id', // a real database makes it a deployment (test/security/anonymousMode.spec.ts)
      MicrosoftAppPassword: 'secret',
    });
    expect(config.storage).toEqual({
      kind: 'cosmos',
      endpoint: 'https://acct.documents.azure.com:443/',
      key: undefined,
      database: 'rootmail',
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
