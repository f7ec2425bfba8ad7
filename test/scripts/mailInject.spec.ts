import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { channelMessage } from '../support/activities';
import { AppProcess, startAppProcess } from '../support/appProcess';
import { FakeBotConnector } from '../support/fakeBotConnector';
import { pollUntil } from '../support/pollUntil';
import { textOf } from '../support/testApp';
import { users } from '../support/users';

const run = promisify(execFile);
const root = path.join(__dirname, '../..');
const SAMPLE = path.join(root, 'docs', 'samples', 'verification-code.eml');

/** Issue 20.6, the local run: `npm run mail:inject` before `setup oncall`, and a file that is not there. */
describe('npm run mail:inject against the running app', () => {
  let dataDir: string;
  let app: AppProcess;
  let connector: FakeBotConnector;
  const inject = (...files: string[]) =>
    run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/mail-inject.ts', ...files], {
      cwd: root,
      env: { ...process.env, DATA_DIR: dataDir, PORT: new URL(app.url).port },
    });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-inject-'));
    connector = new FakeBotConnector();
    await connector.start();
    // The sweeper runs every half lease: a short lease so the test waits a second, not thirty.
    app = await startAppProcess({
      DATA_DIR: dataDir,
      ADMIN_IDS: users.carol.aadObjectId,
      MAIL_RELAY_LEASE_SECONDS: '2',
    });
  });
  afterAll(async () => {
    await app.crash();
    await connector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps a mail injected before setup oncall, says so, and posts it once on-call is set up', async () => {
    const before = await inject(SAMPLE);
    expect(before.stdout).toMatch(/verification-code\.eml: no-channel \(/);
    expect(before.stdout).toMatch(/Kept: no on-call channel is set up yet.*setup oncall/);
    expect(connector.sentMessages()).toHaveLength(0);

    const res = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(channelMessage(connector.url, users.carol, 'setup oncall')),
    });
    expect(res.status).toBe(200);
    await pollUntil(
      () =>
        connector
          .sentMessages()
          .some((c) => /aws-demo-01@example\.net/.test(textOf(c.body?.activity ?? c.body))),
      'the kept mail posted to on-call',
      20_000,
    );
    const cards = connector
      .sentMessages()
      .filter((c) => /aws-demo-01@example\.net/.test(textOf(c.body?.activity ?? c.body)));
    expect(cards).toHaveLength(1); // posted once
    expect((await inject(SAMPLE)).stdout).toMatch(/duplicate \(already relayed\)/); // and finished
  }, 60_000);

  it('answers a file that is not there in one line, without a stack', async () => {
    const failed = await inject('no-such-mail.eml').catch(
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr.trim()).toBe(
      'no-such-mail.eml: Cannot read no-such-mail.eml: no such file or folder: check the path.',
    );
  }, 60_000);
});
