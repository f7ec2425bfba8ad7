import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config';
import { createApp } from '../../src/main/createApp';
import { createLogger } from '../../src/log/logger';

const run = promisify(execFile);
// Each script runs as `npm run pool:plan` / `pool:import` run it: the compiled script in dist/ (the suite's
// global setup brings dist/ up to date), a fresh process each. The first test runs four of them; on a busy
// shared machine each still takes seconds, hence more than the default minute.
const SCRIPT_TEST_TIMEOUT_MS = 150_000;
const root = path.join(__dirname, '../..');
const npmRun = (script: string, args: string[], env: Record<string, string>) =>
  run('node', [path.join('dist', script.replace(/\.ts$/, '.js')), ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
  });

describe('pool:plan and pool:import scripts', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rootmail-pool-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'plans a top-up, imports its CSV into the configured store, twice without harm, and refuses a bad file',
    async () => {
      const plan = await npmRun(
        'scripts/pool-plan.ts',
        [
          '--mailboxes',
          '2',
          '--per-mailbox',
          '5',
          '--domain',
          'contoso.com',
          '--central',
          'root@contoso.com',
          '--out',
          dir,
        ],
        {},
      );
      expect(plan.stdout).toMatch(/Planned 2 mailbox\(es\) with 10 aliases/);
      const csvFile = path.join(
        dir,
        readdirSync(dir).find((f) => f.endsWith('.csv'))!,
      );
      expect(readFileSync(csvFile.replace(/\.csv$/, '.ps1'), 'utf8')).toContain('New-Mailbox -Shared');

      const env = { DATA_DIR: path.join(dir, 'data') };
      const first = await npmRun('scripts/pool-import.ts', [csvFile], env);
      expect(first.stdout).toMatch(
        /Imported 10 alias\(es\); 0 were already in the pool; 2 new mailbox\(es\)/,
      );
      const second = await npmRun('scripts/pool-import.ts', [csvFile], env);
      expect(second.stdout).toMatch(/Imported 0 alias\(es\); 10 were already in the pool/);

      const badFile = path.join(dir, 'bad.csv');
      writeFileSync(
        badFile,
        'mailbox,address\npool-9@contoso.com,fresh-1@contoso.com\npool-9@contoso.com,bad address\n',
      );
      const bad = await npmRun('scripts/pool-import.ts', [badFile], env).catch((e) => e);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/Nothing was imported: fix this line[\s\S]*line 3: /);

      const app = await createApp(loadConfig(env), { logger: createLogger('silent'), startTimers: false });
      try {
        const status = await app.services.pool.status();
        expect(status.totals.free).toBe(10);
        expect(await app.services.addresses.get('fresh-1@contoso.com')).toBeUndefined();
      } finally {
        await app.close();
      }
    },
    SCRIPT_TEST_TIMEOUT_MS,
  );

  it(
    'plans with no arguments at all: one mailbox of 300 on the example domain, into ./pool-plans',
    async () => {
      const cwd = mkdtempSync(path.join(tmpdir(), 'rootmail-plan-'));
      try {
        const result = await run('node', [path.join(root, 'dist/scripts/pool-plan.js')], {
          cwd,
          env: { ...process.env, MAILBOX: '' },
        });
        expect(result.stdout).toMatch(
          /Domain example.net: an example .* Pass --domain contoso.com for yours/,
        );
        expect(result.stdout).toMatch(/Planned 1 mailbox\(es\) with 300 aliases/);
        const [csv] = readdirSync(path.join(cwd, 'pool-plans')).filter((f) => f.endsWith('.csv'));
        const lines = readFileSync(path.join(cwd, 'pool-plans', csv), 'utf8')
          .trim()
          .split('\n');
        expect(lines).toHaveLength(301);
        expect(lines[1]).toMatch(/^aws-pool-01@example\.net,aws-[a-z0-9]{10}@example\.net$/);

        const fromMailbox = await run('node', [path.join(root, 'dist/scripts/pool-plan.js')], {
          cwd,
          env: { ...process.env, MAILBOX: 'root@contoso.com' },
        });
        expect(fromMailbox.stdout).toMatch(/Domain contoso.com, from MAILBOX/);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    },
    SCRIPT_TEST_TIMEOUT_MS,
  );
});
