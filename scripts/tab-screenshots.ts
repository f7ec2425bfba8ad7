import { failureLine } from './scriptFailure';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { personalMessage } from '../test/support/activities';
import { poolCsv } from '../test/support/addressFixtures';
import { chromiumInstalled, HOW_TO_INSTALL_CHROMIUM, launchBrowser } from '../test/support/browser';
import { FakeGraph } from '../test/support/fakeGraph';
import { seedRegistry } from '../test/support/registryFixtures';
import { openInTeamsHost } from '../test/support/teamsHostPage';
import { startTestApp } from '../test/support/testApp';
import { TokenIssuer } from '../test/support/tokenIssuer';

/**
 * npm run screenshots:tab — the three views of the tab, light and dark, inside the test Teams host, with a
 * registry of 3,000 records, ten weeks of pool levels (an import in between) and requests waiting:
 * docs/screenshots/tab-<view>-<theme>.png.
 */
const out = path.join(__dirname, '..', 'docs', 'screenshots');
const person = (n: number, name: string, upn: string) => ({
  aadObjectId: `00000000-0000-0000-0000-00000000002${n}`,
  name,
  upn,
});
const alex = person(0, 'Alex Wilber', 'alexw@contoso.com');
const megan = person(1, 'Megan Bowen', 'meganb@contoso.com');
const adele = person(2, 'Adele Vance', 'adelev@contoso.com');
const isaiah = person(3, 'Isaiah Langer', 'isaiahl@contoso.com');

async function main(): Promise<void> {
  if (!chromiumInstalled) throw new Error(`No Chromium: ${HOW_TO_INSTALL_CHROMIUM}`);
  const issuer = await new TokenIssuer().start();
  const graph = new FakeGraph();
  for (const p of [alex, megan, adele, isaiah])
    graph.addUser({
      id: p.aadObjectId,
      displayName: p.name,
      userPrincipalName: p.upn,
      managerId: p === megan ? undefined : megan.aadObjectId,
    });
  await graph.start();
  const t = await startTestApp({
    env: {
      ...issuer.env(),
      GRAPH_BASE_URL: graph.baseUrl,
      ADMIN_IDS: alex.aadObjectId,
      APPROVER_IDS: alex.aadObjectId, // Megan has no manager: Alex decides her requests
    },
  });
  const browser = await launchBrowser();
  try {
    t.clock.set('2026-09-01T08:00:00Z');
    await seedRegistry(t.app.store, 3_000);
    const admin = t.app.services.chatPrincipal(alex.aadObjectId, alex.name);
    const owners = [alex, adele, isaiah].map((p) => ({ id: p.aadObjectId, upn: p.upn, name: p.name }));
    const teams = ['payments', 'ledger', 'search', 'identity', 'checkout'];
    for (let day = 0; day < 70; day++) {
      if (day === 38) await t.app.services.pool.importCsv(poolCsv(1, 300, 'aws-new'), admin);
      for (let i = 0; i < 6 + (day % 5) * 3; i++) {
        const record = await t.app.services.addresses.allocate({
          accountName: `${teams[(day + i) % teams.length]}-${day}-${i}`,
          owner: owners[(day + i) % owners.length],
          by: admin,
        });
        if (i === 0 && day % 3 === 0)
          await t.app.services.addresses.linkAwsAccount(
            record.address,
            String(210000000000 + day * 100 + i),
            admin,
          );
        if (i === 1 && day % 4 === 0)
          await t.app.services.addresses.retire(record.address, 'account closed', admin);
      }
      await t.app.runJobs();
      t.clock.advanceHours(24);
    }
    for (const [who, text] of [
      [adele, 'request checkout-prod prod Card checkout for the EU launch'],
      [isaiah, 'request ml-sandbox sandbox Experiments with the recommendation model'],
    ] as const)
      await t.send(personalMessage(t.connector.url, who as never, text));
    await t.send(
      personalMessage(t.connector.url, alex as never, 'request search-staging nonprod Staging for search'),
    );
    // Megan asked for two herself: one Alex approved, one still waiting.
    await t.send(
      personalMessage(t.connector.url, megan as never, 'request forecast-prod prod Demand forecasting'),
    );
    const [forecast] = (await t.app.services.requests.listPending()).filter(
      (r) => r.accountName === 'forecast-prod',
    );
    await t.app.services.requests.decide(forecast.requestId, admin, 'approved', 'ok');
    t.app.services.requests.carryOut(forecast.requestId);
    await t.app.idle();
    t.clock.advanceMinutes(5);
    await t.send(
      personalMessage(t.connector.url, megan as never, 'request billing-sandbox sandbox Invoice tests'),
    );

    mkdirSync(out, { recursive: true });
    const [shown] = (await t.app.services.addresses.find({ text: 'payments-1', limit: 1 })).records;
    for (const theme of ['default', 'dark'] as const) {
      const name = theme === 'default' ? 'light' : 'dark';
      await shoot(
        `tab-registry-${name}.png`,
        alex,
        theme,
        `?view=registry&address=${encodeURIComponent(shown.address)}`,
        'History',
      );
      await shoot(`tab-pool-${name}.png`, alex, theme, '?view=pool', 'Per shared mailbox, now');
      await shoot(`tab-approvals-${name}.png`, megan, theme, '?view=approvals', 'checkout-prod (prod)');
    }
  } finally {
    await browser.close();
    await t.close();
    await graph.stop();
    await issuer.stop();
  }

  async function shoot(
    file: string,
    user: typeof alex,
    theme: 'default' | 'dark',
    query: string,
    ready: string,
  ) {
    const page: Page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await openInTeamsHost(page, t.url, {
      user,
      tenantId: issuer.tenant,
      theme,
      tabQuery: query,
      token: () => issuer.userToken(user),
    });
    const tab = page.frameLocator('iframe#tab');
    await tab.getByText(ready).first().waitFor();
    await tab
      .locator('.fui-Spinner')
      .first()
      .waitFor({ state: 'detached' })
      .catch(() => undefined);
    await page.screenshot({ path: path.join(out, file) });
    console.log(`wrote docs/screenshots/${file}`);
    await page.context().close();
  }
}

main().catch((err: unknown) => {
  console.error(failureLine(err));
  process.exit(1);
});
