/// <reference lib="dom" />
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import type { AddressRecord } from '../../src/domain/addressRecords';
import { installedForUser, personalConversationId } from '../support/activities';
import {
  axeViolations,
  chromiumInstalled,
  CHROMIUM_PATH,
  HOW_TO_INSTALL_CHROMIUM,
  launchBrowser,
  luminance,
  serious,
} from '../support/browser';
import { seedRegistry } from '../support/registryFixtures';
import { askFor, sentTo } from '../support/requestFlow';
import { pollUntil } from '../support/pollUntil';
import { openInTeamsHost } from '../support/teamsHostPage';
import { startTestApp, TestApp, textOf } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { TestUser, users } from '../support/users';

const { alice, bob, carol, eve } = users;
// A real browser and the app share a machine that CI may load heavily: each step waits for what it needs
// (never a fixed time), and a test gets up to 90 s before it counts as hung.
jest.setTimeout(90_000);
const REGISTRY_SIZE = 33_000;
const DAYS_KEPT = 6;

/** Alice's record, hidden among 33,000 others. */
const needle: AddressRecord = {
  address: 'aws-needle@contoso.com',
  mailbox: 'aws-pool-001@contoso.com',
  strategy: 'pool',
  state: 'assigned',
  accountName: 'needle-payments-prod',
  owner: { id: alice.aadObjectId, upn: alice.upn, name: alice.name },
  ownerNameKey: alice.name.toLowerCase(),
  awsAccountId: '424242424242',
  history: [],
};

const inBrowser = chromiumInstalled ? describe : describe.skip;
const title = chromiumInstalled
  ? 'the Teams tab in a real browser (Chromium)'
  : `the Teams tab in a real browser: SKIPPED, no Chromium at ${CHROMIUM_PATH} (${HOW_TO_INSTALL_CHROMIUM})`;

inBrowser(title, () => {
  let t: TestApp;
  let issuer: TokenIssuer;
  let dataDir: string;
  let browser: Browser;
  const pages: Page[] = [];

  beforeAll(async () => {
    [issuer, browser] = await Promise.all([new TokenIssuer().start(), launchBrowser()]);
    // A local run whose local directory holds the test's people (Carol first: the local sign-in's default),
    // so Teams tokens and the plain browser's local sign-in both work against the same app.
    dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-tab-'));
    const entry = (u: TestUser, more: object = {}) => ({
      id: u.aadObjectId,
      displayName: u.name,
      userPrincipalName: u.upn,
      ...more,
    });
    writeFileSync(
      path.join(dataDir, 'local-directory.json'),
      JSON.stringify({
        users: [
          entry(carol, { admin: true }),
          entry(alice, { manager: bob.upn }),
          entry(bob),
          entry(eve, { manager: bob.upn }),
        ],
      }),
    );
    t = await startTestApp({ dataDir, env: { ...issuer.env(), DEMO_POOL: 'false' } });
    await seedRegistry(t.app.store, REGISTRY_SIZE, [needle]);
    // The levels are kept once a day by the job; a few days pass with addresses handed out in between.
    const admin = t.app.services.chatPrincipal(carol.aadObjectId, carol.name);
    const owner = { id: carol.aadObjectId, upn: carol.upn, name: carol.name };
    for (let day = 0; day < DAYS_KEPT; day++) {
      for (let i = 0; i < 10 + day * 4; i++)
        await t.app.services.addresses.allocate({ accountName: `daily-${day}-${i}`, owner, by: admin });
      await t.app.runJobs();
      t.clock.advance(24 * 60 * 60_000);
    }
    await t.send(installedForUser(t.connector.url, alice));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await issuer?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await Promise.all(pages.splice(0).map((p) => p.context().close()));
  });

  /** The tab inside the test's Teams host, signed in as `user` with Teams SSO. */
  async function inTeams(
    user: TestUser,
    options: { theme?: 'default' | 'dark' | 'contrast'; query?: string; nestedAppAuth?: boolean } = {},
  ) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    pages.push(page);
    let tokens = 0;
    const scripts: string[] = [];
    page.on('request', (r) => r.url().includes('/tab/assets/') && scripts.push(r.url()));
    await openInTeamsHost(page, t.url, {
      user: { aadObjectId: user.aadObjectId, upn: user.upn, name: user.name },
      tenantId: issuer.tenant,
      theme: options.theme,
      tabQuery: options.query,
      // Teams SSO here gives v1 tokens (audience: the Application ID URI); NAA v2 (audience: the client id).
      token: async () => (tokens++, issuer.userToken(user, { v1: !options.nestedAppAuth })),
      nestedAppAuth: options.nestedAppAuth
        ? { idToken: await issuer.token({ oid: user.aadObjectId, name: user.name }) }
        : undefined,
    });
    const tab = page.frameLocator('iframe#tab');
    await tab.locator('main').waitFor();
    const frame = page.frames().find((f) => f.url().includes('/tab/')) as Frame;
    return { page, tab, frame, tokens: () => tokens, scripts };
  }

  /** The chunk with MSAL, by what it holds (names are content hashes). */
  const msalChunks = () => {
    const build = JSON.parse(
      readFileSync(path.join(__dirname, '..', '..', 'dist', 'tab', 'build.json'), 'utf8'),
    );
    return Object.keys(build.files).filter((f) =>
      build.files[f].packages.some((p: string) => p.startsWith('@azure/msal')),
    );
  };

  const rows = (tab: ReturnType<Page['frameLocator']>) => tab.locator('tbody tr[data-address]');

  it('in Teams signs in with the host’s token (no second login) and finds a record among 33,000', async () => {
    const { page, tab, tokens, scripts } = await inTeams(carol);
    await tab.getByText('Every address, by address').waitFor();
    await expectCount(rows(tab), 25);
    expect(await tab.locator('header').innerText()).toMatch(/Signed in as Carol Admin[\s\S]*Admin/);
    expect(tokens()).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { hostLog: string[] }).hostLog)).toEqual(
      expect.arrayContaining([
        'initialize',
        'getContext',
        'authentication.getAuthToken',
        'appInitialization.success',
      ]),
    );
    // A host without Nested App Authentication: MSAL is never loaded.
    expect(scripts.filter((s) => msalChunks().some((c) => s.endsWith(c)))).toEqual([]);

    for (const text of ['needle', 'NEEDLE-PAY', '424242', 'Alice Req', 'aws-needle@']) {
      await tab.getByLabel('Search').fill(text);
      await tab.locator('caption', { hasText: `“${text}”` }).waitFor();
      await expectCount(rows(tab), 1);
      expect(await rows(tab).first().getAttribute('data-address')).toBe(needle.address);
    }
    await tab.getByRole('button', { name: needle.address }).click();
    await tab.getByRole('heading', { name: needle.address }).waitFor();
    expect(await tab.locator('dl').innerText()).toMatch(
      /needle-payments-prod[\s\S]*424242424242[\s\S]*Alice Requester/,
    );
    await tab.getByRole('heading', { name: 'Change' }).waitFor(); // an admin may change it
  });

  it('where the host offers Nested App Authentication, MSAL gets the token through the host’s bridge', async () => {
    const { page, tab, tokens, scripts } = await inTeams(alice, { nestedAppAuth: true });
    await tab.getByText(/Your addresses \(\d+\)/).waitFor();
    expect(await tab.locator('header').innerText()).toMatch(/Signed in as Alice Requester/);
    const asked = await page.evaluate(() => (window as unknown as { hostLog: string[] }).hostLog);
    expect(asked).toEqual(expect.arrayContaining(['nestedAppAuth:GetInitContext', 'nestedAppAuth:GetToken']));
    expect(asked).not.toContain('authentication.getAuthToken');
    expect(tokens()).toBeGreaterThan(0);
    expect(scripts.some((s) => msalChunks().some((c) => s.endsWith(c)))).toBe(true);
  });

  it('a person sees only what they may: Eve finds the record but cannot change it or read its history; Alice can', async () => {
    const asEve = await inTeams(eve);
    await asEve.tab.getByText('Your addresses (0)').waitFor();
    await asEve.tab.getByLabel('Search').fill('needle');
    await asEve.tab.getByRole('button', { name: needle.address }).click();
    await asEve.tab.getByText('The history is shown to the owner and to admins.').waitFor();
    expect(await asEve.tab.getByRole('heading', { name: 'Change' }).count()).toBe(0);

    const asAlice = await inTeams(alice);
    await asAlice.tab.getByText(/Your addresses \(\d+\)/).waitFor();
    await asAlice.tab.getByLabel('Search').fill('needle');
    await asAlice.tab.getByRole('button', { name: needle.address }).click();
    await asAlice.tab.getByLabel('AWS account id').fill('555555555555');
    await asAlice.tab.getByRole('button', { name: 'Link' }).click();
    await asAlice.tab.getByText('Linked to AWS account 555555555555.').waitFor();
    await asAlice.tab
      .locator('ol li', { hasText: 'Linked to AWS account 555555555555 by Alice Requester' })
      .waitFor();
    expect((await t.app.services.addresses.get(needle.address))?.awsAccountId).toBe('555555555555');
  });

  it('approving in the tab is the card’s approval: the approval card in chat is updated, Alice gets her address', async () => {
    const requestId = await askFor(t, alice, 'request tab-approved prod from the tab test');
    const card = sentTo(t, personalConversationId(bob)).find((c) => /tab-approved/.test(textOf(c.body)))!;
    expect(card).toBeDefined();

    const { tab } = await inTeams(bob, { query: '?view=approvals' });
    const request = tab.getByRole('article', { name: 'tab-approved (prod)' });
    await request.getByLabel('Comment (optional)').fill('fine by me');
    await request.getByRole('button', { name: 'Approve' }).click();
    await tab.getByText('Approved tab-approved for Alice Requester').waitFor();
    await t.app.idle();

    const update = t.connector
      .of('update', personalConversationId(bob))
      .find((c) => c.activityId === card.activityId);
    expect(textOf(update?.body)).toMatch(/Approved by Bob Manager[\s\S]*fine by me/);
    const stored = await t.app.services.requests.get(requestId);
    expect(stored).toMatchObject({
      state: 'fulfilled',
      decision: { outcome: 'approved', comment: 'fine by me' },
    });
    expect(
      sentTo(t, personalConversationId(alice)).some((c) => textOf(c.body).includes(stored!.address!)),
    ).toBe(true);

    const asAlice = await inTeams(alice, { query: '?view=approvals' });
    const row = asAlice.tab.locator('tr', { hasText: 'tab-approved' });
    await row.getByText('fulfilled').waitFor();
    expect(await row.innerText()).toContain(stored!.address!);
  });

  it('the pool view draws the levels kept each day, and says how long the free aliases last', async () => {
    const history = await t.request(
      'GET',
      '/api/v1/pool/history?days=90',
      undefined,
      await issuer.bearer({ roles: ['Addresses.Read'] }),
    );
    const { tab } = await inTeams(carol, { query: '?view=pool' });
    const free = tab.locator('polyline[data-series="free"]');
    await free.waitFor();
    const points = (await free.getAttribute('points'))!.split(' ').map((p) => p.split(',').map(Number));
    expect(points).toHaveLength(history.body.days.length);
    expect(history.body.days.length).toBeGreaterThanOrEqual(DAYS_KEPT);
    // Fewer free aliases each day: each point lower on the chart (larger y) than the day before.
    for (let i = 1; i < points.length; i++) expect(points[i][1]).toBeGreaterThan(points[i - 1][1]);
    const lasts = await tab.getByTestId('days-until-empty').innerText();
    expect(lasts).toContain(`${history.body.forecast.daysUntilEmpty.toLocaleString('en-US')} days`);
    expect(await tab.getByRole('img').getAttribute('aria-label')).toMatch(
      new RegExp(`from ${history.body.days[0].free} on ${history.body.days[0].date}`),
    );
  });

  it('takes light, dark and high contrast from Teams, and follows when the theme changes', async () => {
    const { page, tab } = await inTeams(carol, { theme: 'dark' });
    const background = () =>
      tab.locator('main').evaluate((el) => getComputedStyle(el.parentElement!).backgroundColor);
    const text = () =>
      tab
        .locator('h2')
        .first()
        .evaluate((el) => getComputedStyle(el).color);
    expect(luminance(await background())).toBeLessThan(0.05);
    expect(luminance(await text())).toBeGreaterThan(0.6);
    await page.evaluate(() => (window as unknown as { setTheme(t: string): void }).setTheme('default'));
    await until(background, (c) => luminance(c) > 0.8, 'a light background');
    await page.evaluate(() => (window as unknown as { setTheme(t: string): void }).setTheme('contrast'));
    await until(background, (c) => luminance(c) < 0.01, 'the high-contrast black background');
  });

  it('works from the keyboard: search, open a record, reach its actions, close it back to the row', async () => {
    const { page, tab, frame } = await inTeams(carol);
    await tab.getByText('Every address, by address').waitFor();
    const focused = () =>
      frame.evaluate(
        () => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '',
      );
    const focusedId = () => frame.evaluate(() => document.activeElement?.id ?? '');
    await frame.focus('h2'); // (not focusable itself: Tab starts from the top of the page)
    await page.keyboard.press('Tab');
    expect(await frame.evaluate(() => (document.activeElement as HTMLInputElement).type)).toBe('search');
    await page.keyboard.type('needle');
    await tab.locator('caption', { hasText: '“needle”' }).waitFor();
    for (let i = 0; i < 3 && !(await focused()).includes(needle.address); i++)
      await page.keyboard.press('Tab');
    expect(await focused()).toContain(needle.address);
    await page.keyboard.press('Enter');
    await until(focusedId, (id) => id === 'record-title', 'focus on the record heading');
    await tab.getByRole('heading', { name: 'Change' }).waitFor(); // the record has loaded
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Close the record');
    await page.keyboard.press('Tab');
    expect(await frame.evaluate(() => document.activeElement?.closest('form') !== null)).toBe(true);
    await page.keyboard.press('Escape');
    await until(focused, (f) => f.includes(needle.address), 'focus back on the row');
    expect(await tab.locator('#record-title').count()).toBe(0);
  });

  it('an automated accessibility scan (axe-core, WCAG 2.1 AA) finds nothing serious in any view, light or dark', async () => {
    await askFor(t, alice, 'request axe-check sandbox so Approvals has something waiting');
    const scan = async (tab: ReturnType<Page['frameLocator']>, frame: Frame, ready: string) => {
      await tab.getByText(ready).first().waitFor();
      await until(
        () => tab.locator('.fui-Spinner').count(),
        (n) => n === 0,
        'everything loaded',
      );
      return serious(await axeViolations(frame));
    };
    for (const theme of ['default', 'dark'] as const) {
      const asCarol = await inTeams(carol, {
        theme,
        query: '?view=registry&address=aws-needle%40contoso.com',
      });
      const registry = await scan(asCarol.tab, asCarol.frame, 'History');
      await asCarol.frame.evaluate(() => {
        history.pushState(null, '', '?view=pool');
        dispatchEvent(new PopStateEvent('popstate'));
      });
      const pool = await scan(asCarol.tab, asCarol.frame, 'Per shared mailbox, now');
      const asBob = await inTeams(bob, { theme, query: '?view=approvals' });
      const approvals = await scan(asBob.tab, asBob.frame, 'axe-check (sandbox)');
      expect({ theme, registry, pool, approvals }).toEqual({ theme, registry: [], pool: [], approvals: [] });
    }
  }, 90_000);

  it('framed by a page that is not Teams, the tab says it could not connect instead of waiting a minute', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    pages.push(page);
    // A parent that never answers teams-js's handshake (teams-js alone would wait 60 s).
    await page.route(`${t.url}/not-teams.html`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: '<iframe id="tab" src="/tab/" style="width:100%;height:600px"></iframe>',
      }),
    );
    await page.goto(`${t.url}/not-teams.html`);
    const tab = page.frameLocator('iframe#tab');
    await tab.getByText('Cannot start').waitFor({ timeout: 30_000 });
    expect(await tab.locator('main').innerText()).toMatch(
      /RootMail could not connect to Teams: Teams did not answer/,
    );
    expect(await tab.locator('tbody tr').count()).toBe(0);
  }, 60_000);

  it('a Link refusal shows what was typed as code, never literal backticks (issue 20.6)', async () => {
    const { tab } = await inTeams(alice);
    await tab.getByText(/Your addresses \(\d+\)/).waitFor();
    await tab.getByLabel('Search').fill('needle');
    await tab.getByRole('button', { name: needle.address }).click();
    await tab.getByLabel('AWS account id').fill('12345');
    await tab.getByRole('button', { name: 'Link' }).click();
    const problem = tab.getByRole('alert').filter({ hasText: 'is not an AWS account id' });
    await problem.waitFor();
    expect(await problem.innerText()).not.toContain('`');
    expect(await problem.locator('code').first().innerText()).toBe('12345');
  });

  it('in high contrast a disabled Previous looks disabled, unlike the enabled Next (issue 20.6)', async () => {
    const { tab } = await inTeams(carol, { theme: 'contrast' });
    const previous = tab.getByRole('button', { name: 'Previous' });
    const next = tab.getByRole('button', { name: 'Next' });
    await until(
      () => next.isEnabled(),
      (enabled) => enabled,
      'Next enabled on the first page',
    );
    expect(await previous.isDisabled()).toBe(true);
    const look = (button: typeof previous) =>
      button.evaluate((el) => {
        const style = getComputedStyle(el);
        return { color: style.color, border: style.borderTopColor, borderStyle: style.borderTopStyle };
      });
    const [disabled, enabled] = [await look(previous), await look(next)];
    expect(disabled.color).not.toBe(enabled.color);
    expect(disabled.border).not.toBe(enabled.border);
    // Teams' high-contrast convention: disabled is drawn in its own colour (green), dashed here as well.
    expect(disabled.color).toBe('rgb(63, 242, 63)');
    expect(disabled.borderStyle).toBe('dashed');
  });

  it('“What you asked for” shows the comment of a rejection (issue 20.6)', async () => {
    const requestId = await askFor(t, alice, 'request tab-rejected prod shown with its comment');
    await t.app.services.requests.decide(
      requestId,
      t.app.services.chatPrincipal(bob.aadObjectId, bob.name),
      'rejected',
      'use the shared sandbox instead',
    );
    await t.app.idle();
    const { tab } = await inTeams(alice, { query: '?view=approvals' });
    const row = tab.locator('tr', { hasText: 'tab-rejected' });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/rejected by Bob Manager[\s\S]*“use the shared sandbox instead”/);
  });

  it('a first local run shows the Pool chart at once: the demo pool comes with 60 days of levels (issue 20.6)', async () => {
    const freshDir = mkdtempSync(path.join(tmpdir(), 'rootmail-fresh-'));
    const fresh = await startTestApp({ dataDir: freshDir });
    try {
      await pollUntil(
        async () => (await fresh.app.services.poolHistory(90)).length > 0,
        'the demo pool',
        20_000,
      );
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      pages.push(page);
      await page.goto(`${fresh.url}/tab/?view=pool`);
      const free = page.locator('polyline[data-series="free"]');
      await free.waitFor();
      expect((await free.getAttribute('points'))!.split(' ').length).toBeGreaterThanOrEqual(60);
    } finally {
      await fresh.close();
      rmSync(freshDir, { recursive: true, force: true });
    }
  });

  it('in a local run, a plain browser signs in as the local directory’s person, and can act as another', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    pages.push(page);
    const schemes = new Set<string>();
    page.on('request', (r) => {
      const auth = r.headers().authorization;
      if (r.url().includes('/api/v1/') && auth) schemes.add(auth.split(' ')[0]);
    });
    await page.goto(`${t.url}/tab/`);
    await page.getByText('Every address, by address').waitFor();
    await expectCount(page.locator('tbody tr[data-address]'), 25);
    const adminBadge = page.locator('header').getByText('Admin', { exact: true });
    expect(await page.locator('header').innerText()).toMatch(/Local run[\s\S]*Signed in as/);
    await expectCount(adminBadge, 1);
    expect(await page.getByLabel('Signed in as').inputValue()).toBe(carol.aadObjectId); // the first person
    await page.getByLabel('Signed in as').selectOption({ label: eve.name });
    await page.getByText('Your addresses (0)').waitFor();
    await expectCount(adminBadge, 0);
    expect([...schemes]).toEqual(['LocalSession']);
  });
});

async function expectCount(locator: ReturnType<Page['locator']>, count: number): Promise<void> {
  await until(
    () => locator.count(),
    (n) => n === count,
    `${count} rows`,
  );
}

/** Waits until what `read` answers passes `ok` (the page updates after an event, not after a sleep). */
async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<void> {
  let last: T | undefined;
  await pollUntil(
    async () => ok((last = await read())),
    () => `${what} (last seen: ${String(last)})`,
    10_000,
  );
}
