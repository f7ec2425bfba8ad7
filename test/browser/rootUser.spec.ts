import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { awsEnv, FAST_AWS_RETRY, record, useLocalAwsKeys } from '../support/awsSupport';
import { chromiumInstalled, CHROMIUM_PATH, HOW_TO_INSTALL_CHROMIUM, launchBrowser } from '../support/browser';
import { FakeAws } from '../support/fakeAws';
import { startTestApp, TestApp } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { users } from '../support/users';

const { alice, carol } = users;
jest.setTimeout(90_000);

const inBrowser = chromiumInstalled ? describe : describe.skip;
const title = chromiumInstalled
  ? "the tab's record panel shows the AWS account's root user (Chromium)"
  : `the tab's record panel and root users: SKIPPED, no Chromium at ${CHROMIUM_PATH} (${HOW_TO_INSTALL_CHROMIUM})`;

inBrowser(title, () => {
  let t: TestApp;
  let fake: FakeAws;
  let issuer: TokenIssuer;
  let browser: Browser;
  let dataDir: string;
  let restoreKeys: () => void;

  beforeAll(async () => {
    restoreKeys = useLocalAwsKeys();
    [issuer, browser] = await Promise.all([new TokenIssuer().start(), launchBrowser()]);
    fake = new FakeAws();
    fake.root.enable();
    const legacy = fake.addAccount({ name: 'legacy-shop', email: 'aws-legacy@contoso.com' }).id;
    fake.root.givePassword(legacy);
    fake.root.addAccessKey(legacy, { lastUsedAt: new Date('2026-04-28T07:15:00Z') });
    await fake.start();
    // A local run (the plain browser signs in as the local directory's first person, Carol, an admin).
    dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-tab-root-'));
    writeFileSync(
      path.join(dataDir, 'local-directory.json'),
      JSON.stringify({
        users: [
          {
            id: carol.aadObjectId,
            displayName: carol.name,
            userPrincipalName: carol.upn,
            admin: true,
            manager: alice.upn,
          },
          { id: alice.aadObjectId, displayName: alice.name, userPrincipalName: alice.upn },
        ],
      }),
    );
    t = await startTestApp({
      dataDir,
      env: { ...awsEnv(fake), ...issuer.env(), DEMO_POOL: 'false' },
      overrides: {
        awsRetry: FAST_AWS_RETRY,
        rootAuditPace: { concurrency: 4, perSecond: 1000, budgetMs: 60_000 },
      },
    });
    const owner = { id: alice.aadObjectId, upn: alice.upn, name: alice.name };
    const address = 'aws-legacy@contoso.com';
    await t.app.store.create('addresses', address, record(address, { owner, awsAccountId: legacy }));
    const run = await t.request(
      'POST',
      '/api/v1/reconcile',
      undefined,
      await issuer.bearer({ oid: 'automation', roles: ['Addresses.Admin'] }),
    );
    expect(run.body.rootAudit).toMatchObject({ audited: 1, withAccessKeys: 1 });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await fake?.stop();
    await issuer?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    restoreKeys();
  });

  it('says the root user has credentials, and which, with when it was checked', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${t.url}/tab/?view=registry&address=aws-legacy%40contoso.com`);
    const rootUser = page.getByTestId('root-user');
    await rootUser.waitFor();
    expect(await rootUser.innerText()).toMatch(
      /^Has root credentials: a password \(set 2021-06-01\), 1 access key \(AKIA…\w{4} active, last used 2026-04-28\) \(checked \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/,
    );
    expect(await page.locator('dl').innerText()).toMatch(/Root user/);
    await page.close();
  });

  it('asks for break-glass root access with a reason; the approval and Start follow in Teams', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${t.url}/tab/?view=registry&address=aws-legacy%40contoso.com`);
    await page.getByRole('button', { name: 'Ask for root access…' }).click();
    const ask = page.getByRole('button', { name: 'Ask for approval' });
    await page.getByLabel(/Why do you need root access/).fill('too short');
    expect(await ask.isDisabled()).toBe(true); // a reason of at least 10 characters
    await page.getByLabel(/Why do you need root access/).fill('rotate the leaked root access key today');
    await ask.click();
    const done = page.getByText(/^Asked \(ra-[0-9a-f]{8}\)/);
    await done.waitFor();
    expect(await done.innerText()).toMatch(
      /Waiting for Alice Requester to approve .*The approval, the Start button and the reset link come in your chat with RootMail in Teams\./,
    );
    const [access] = await t.app.store.query<{ reason: string; requester: { id: string } }>('rootAccess', {});
    expect(access).toMatchObject({
      reason: 'rotate the leaked root access key today',
      requester: { id: carol.aadObjectId },
    });
    await page.close();
  });
});
