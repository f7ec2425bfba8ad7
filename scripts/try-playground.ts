import { failureLine } from './scriptFailure';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import {
  DevRun,
  startDev,
  findChromium,
  injectMail,
  launchChromium,
  PlaygroundRunError,
  PlaygroundWindow,
} from './playground/driver';

/**
 * npm run try:playground [-- <screenshot folder>]   (default docs/screenshots)
 *
 * A person's first minutes with the bot, in a real browser: starts `npm run dev` on free ports with a
 * fresh DATA_DIR, opens the Agents Playground as Alex Wilber and as his manager Megan Bowen in the system
 * Chromium, and goes through the main job with clicks and typing only:
 *   help → `request` (the guided chat) as Alex → Megan approves in her window → the address in Alex's chat;
 *   `setup oncall` in a channel as Alex (the local admin) → `npm run mail:inject -- docs/samples/…` →
 *   the routed, masked card → Reveal shows Alex the code;
 *   a second request for demo-sandbox (refused, naming its address) → `transfer payments-prod Megan Bowen`
 *   (a confirmation card, Megan told in her window) → `retire payments-prod account closed in test` (a
 *   confirmation card saying until when, Megan told, the history's sentence in `audit`).
 * Saves a screenshot after each step. Exits 0 when every step showed what a person would expect; otherwise
 * says which step did not, with a screenshot.
 */

const ALEX = 'Alex Wilber';
const MEGAN = 'Megan Bowen';
const HELP_CARD = 'Show what I can do';
const SAMPLE_MAIL = path.join('docs', 'samples', 'verification-code.eml');
const SAMPLE_CODE = '731406';

async function main(): Promise<void> {
  const screenshotDir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'docs', 'screenshots'));
  const chromiumPath = findChromium(); // before anything starts: the commonest thing to be missing
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-try-'));
  let dev: DevRun | undefined;
  let browser: Browser | undefined;
  let ok = false;
  try {
    step('starting npm run dev (the bot and two Agents Playgrounds)');
    // PORT, PLAYGROUND_PORT and PLAYGROUND_MANAGER_PORT as for npm run dev; free ports where not set.
    dev = await startDev(dataDir, 180_000, { fromEnv: true });
    const urlOf = (who: string) => {
      const url = dev!.windows[who];
      if (!url)
        throw new PlaygroundRunError(`npm run dev printed no Playground for ${who}:\n${dev!.output()}`);
      return url;
    };
    browser = await launchChromium(chromiumPath);

    step(`${ALEX}: the welcome, then help`);
    const alex = await PlaygroundWindow.open(browser, urlOf(ALEX), ALEX, { screenshotDir });
    await alex.openChat('Personal Chat');
    await alex.waitForBotMessage('Welcome to RootMail, Alex Wilber');
    await alex.ask('help', HELP_CARD);
    shot(await alex.screenshot('alex-help'));

    step(`${MEGAN} (second window): the welcome`);
    const megan = await PlaygroundWindow.open(browser, urlOf(MEGAN), MEGAN, { screenshotDir });
    await megan.openChat('Personal Chat');
    await megan.waitForBotMessage('Welcome to RootMail, Megan Bowen');
    shot(await megan.screenshot('megan-welcome'));

    step(`${ALEX}: request, answered in the guided chat`);
    await alex.ask('request', 'What is the account called?');
    await alex.ask('payments-prod', 'Which environment is payments-prod for?');
    await alex.ask('prod', 'What is it for?');
    await alex.ask('Card payments for the EU shop', 'Ask for a root e-mail address for payments-prod');
    await alex.ask('yes', 'Sent to Megan Bowen for approval');
    // His own copy of the request never offers Approve / Reject (nobody decides their own request).
    if (await alex.page.getByRole('button', { name: 'Approve', exact: true }).count())
      throw new PlaygroundRunError(`${ALEX}'s own copy of his request shows Approve.`);
    shot(await alex.screenshot('alex-guided-request'));

    step(`${MEGAN}: the approval card arrives in her window; she approves with a comment`);
    await megan.waitForBotMessage('Alex Wilber asks for a root e-mail address');
    await megan.fillCardInput('Comment', 'OK for the EU shop');
    shot(await megan.screenshot('megan-approval-card'));
    await megan.clickAndWait('Approve', 'Approved by Megan Bowen');
    shot(await megan.screenshot('megan-approved'));

    step(`${ALEX}: the address arrives`);
    await alex.waitForBotMessage('Your root e-mail address is ready');
    await alex.waitForBotMessage(/aws-demo-\d\d@example\.net/);
    shot(await alex.screenshot('alex-address-ready'));

    step(`${ALEX}: setup oncall in the General channel`);
    await alex.openChat('General');
    const setUp = await alex.countBotMessages('this is now the oncall channel');
    await alex.postInChannel('setup oncall');
    await alex.waitForBotMessage('this is now the oncall channel', { after: setUp });

    step(`npm run mail:inject -- ${SAMPLE_MAIL}`);
    const injected = await injectMail(dev, dataDir, SAMPLE_MAIL);
    console.log(`  ${injected.trim()}`);
    if (!/posted \(secret\/signup-code, trusted, routed, to oncall-secret\)/.test(injected))
      throw new PlaygroundRunError(
        `mail:inject did not post the sign-up code, trusted and routed to the on-call secrets channel: ${injected}`,
      );
    await alex.waitForBotMessage(/demo-sandbox[\s\S]*••••••/);
    shot(await alex.screenshot('oncall-masked-card'));

    step(`${ALEX}: Reveal shows him the code`);
    await alex.clickAndWait('Reveal', SAMPLE_CODE);
    shot(await alex.screenshot('oncall-revealed'));

    step(`${ALEX}: a second address for demo-sandbox is refused, naming the one it has`);
    await alex.openChat('Personal Chat');
    await alex.ask(
      'request demo-sandbox sandbox A second one',
      'demo-sandbox already has a root address: aws-demo-01@example.net, owned by Alex Wilber',
    );
    shot(await alex.screenshot('alex-second-address-refused'));

    step(`${ALEX}: transfer payments-prod to Megan Bowen by name, confirmed on a card; Megan is told`);
    await alex.ask('transfer payments-prod Megan Bowen', 'Transfer this address?');
    shot(await alex.screenshot('alex-transfer-confirm'));
    await alex.clickAndWait('Transfer it', 'Transferred to Megan Bowen');
    await megan.waitForBotMessage(
      /Alex Wilber transferred aws-demo-\d\d@example\.net \(account payments-prod\) to you/,
    );
    shot(await megan.screenshot('megan-told-transfer'));

    step(
      `${ALEX} (admin): retire payments-prod with a reason, confirmed on a card; Megan is told; the history says why`,
    );
    await alex.ask('retire payments-prod account closed in test', 'Retire this address?');
    await alex.waitForBotMessage(/quarantine for 90 days, until \d{4}-\d\d-\d\d/);
    shot(await alex.screenshot('alex-retire-confirm'));
    await alex.clickAndWait('Retire it', 'Retired (account closed in test)');
    await megan.waitForBotMessage(
      /Alex Wilber retired aws-demo-\d\d@example\.net \(account payments-prod\), which you owned: account closed in test/,
    );
    shot(await megan.screenshot('megan-told-retired'));
    await alex.ask('audit payments-prod', 'Retired by Alex Wilber: account closed in test');
    shot(await alex.screenshot('alex-history'));
    ok = true;
  } finally {
    await browser?.close().catch(() => undefined);
    await dev?.stop();
    if (ok) rmSync(dataDir, { recursive: true, force: true });
    else console.error(`The bot's data is kept in ${dataDir}.`);
  }
  console.log(`\nDone: screenshots in ${screenshotDir}`);
}

function step(text: string): void {
  console.log(`• ${text}`);
}

function shot(file: string): void {
  console.log(`  screenshot ${path.relative(process.cwd(), file)}`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err instanceof PlaygroundRunError ? `\n${err.message}` : failureLine(err));
    process.exit(1);
  },
);
