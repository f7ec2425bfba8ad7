import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { resetMail } from '../test/support/awsSupport';
import { FakeAws } from '../test/support/fakeAws';
import {
  DevRun,
  findChromium,
  injectMail,
  launchChromium,
  PlaygroundRunError,
  PlaygroundWindow,
  startDev,
} from './playground/driver';
import { failureLine } from './scriptFailure';

/**
 * npm run try:root-access [-- <screenshot folder>]   (default docs/screenshots)
 *
 * A break-glass root session as people live it, in a real browser: a loopback AWS (test/support/fakeAws.ts:
 * Organizations, STS AssumeRoot and IAM's root-user calls, with the demo account 111122223333 whose root
 * address is the demo pool's aws-demo-01@example.net) and `npm run dev` pointed at it, the Agents Playground
 * as Alex Wilber and as his manager Megan Bowen:
 *   `setup oncall` → Alex: `root-access demo-sandbox <reason>` → Megan approves in her window → Alex starts
 *   the session (CreateLoginProfile in an IAMCreateRootUserPassword session) and reads what to do → "Forgot
 *   password?" (the loopback AWS writes its reset mail, fed to the bot with mail:inject) → the masked card in
 *   Alex's chat, Reveal for him alone; on-call reads that it was handed over → `root-access done demo-sandbox`
 *   → the password deleted (IAMDeleteRootUserCredentials), Alex, Megan and on-call see the outcome.
 * Saves a screenshot of each card into the folder and exits 0 when every step showed what a person expects.
 */

const ALEX = 'Alex Wilber';
const MEGAN = 'Megan Bowen';
const DEMO_ACCOUNT = '111122223333';
const DEMO_ADDRESS = 'aws-demo-01@example.net';
const REASON = 'restore the S3 bucket policy that locks everyone out';

async function main(): Promise<void> {
  const screenshotDir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'docs', 'screenshots'));
  const chromiumPath = findChromium();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-try-root-'));
  const fake = new FakeAws();
  fake.addAccount({ id: DEMO_ACCOUNT, name: 'demo-sandbox', email: DEMO_ADDRESS });
  fake.root.enable();
  let dev: DevRun | undefined;
  let browser: Browser | undefined;
  let ok = false;
  try {
    step('a loopback AWS with centralized root access on, and npm run dev pointed at it');
    await fake.start();
    Object.assign(process.env, {
      AWS_CREDENTIAL_SOURCE: 'environment',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDLOCALPLAYGROUND',
      AWS_SECRET_ACCESS_KEY: 'local-playground-secret',
      ...fake.env(),
    });
    dev = await startDev(dataDir, 180_000, { fromEnv: true });
    browser = await launchChromium(chromiumPath);
    const alex = await PlaygroundWindow.open(browser, windowOf(dev, ALEX), ALEX, { screenshotDir });
    const megan = await PlaygroundWindow.open(browser, windowOf(dev, MEGAN), MEGAN, { screenshotDir });
    await megan.openChat('Personal Chat');
    await megan.waitForBotMessage('Welcome to RootMail, Megan Bowen');

    step(`${ALEX}: setup oncall in the General channel`);
    await alex.openChat('General');
    await alex.postInChannel('setup oncall');
    await alex.waitForBotMessage('this is now the oncall channel');

    step(`${ALEX}: root-access demo-sandbox ${REASON}`);
    await alex.openChat('Personal Chat');
    await alex.waitForBotMessage('Welcome to RootMail, Alex Wilber');
    await alex.ask(`root-access demo-sandbox ${REASON}`, /Sent to Megan Bowen for approval/);
    shot(await alex.screenshot('root-access-asked'));

    step(`${MEGAN}: the approval card, with what approving does; she approves`);
    await megan.waitForBotMessage('Approving lets Alex Wilber start a 60-minute session');
    await megan.fillCardInput('Comment', 'OK, ticket INC-4711');
    shot(await megan.screenshot('root-access-approval'));
    await megan.clickAndWait('Approve', /Approved by Megan Bowen/);

    step(`${ALEX}: Start, when he is ready`);
    await alex.waitForBotMessage('Approved: start the session when you are ready.');
    shot(await alex.screenshot('root-access-approved'));
    await alex.clickAndWait('Start the session', /What to do now/, 60_000);
    if (!fake.root.user(DEMO_ACCOUNT).password)
      throw new PlaygroundRunError('The session opened but the loopback AWS has no login profile.');
    shot(await alex.screenshot('root-access-open'));

    step('"Forgot password?": AWS mails the reset link to the root address; it goes to Alex alone');
    const mail = fake.root.forgotPassword(DEMO_ACCOUNT);
    const file = path.join(dataDir, 'password-reset.eml');
    writeFileSync(file, resetMail(mail));
    const startedAt = Date.now();
    console.log(`  ${(await injectMail(dev, dataDir, file)).trim()}`);
    await alex.waitForBotMessage('for your root-access session');
    console.log(
      `  the masked card was in Alex's chat ${Date.now() - startedAt} ms after the mail was fed in`,
    );
    shot(await alex.screenshot('root-access-reset-mail'));
    await alex.clickAndWait('Reveal', 'Open the AWS link');
    shot(await alex.screenshot('root-access-reset-revealed'));

    step('on-call (General): the session, and to whom the reset link went (never the link)');
    await alex.openChat('General');
    await alex.waitForBotMessage(/was handed to Alex Wilber alone, for root-access session ra-/);
    shot(await alex.screenshot('root-access-oncall'));

    step(`${ALEX}: root-access done demo-sandbox; the password is removed again`);
    await alex.openChat('Personal Chat');
    await alex.ask('root-access done demo-sandbox', /Closed at .*removed the password/, 60_000);
    if (fake.root.user(DEMO_ACCOUNT).password)
      throw new PlaygroundRunError('The session closed but the loopback AWS still has a login profile.');
    shot(await alex.screenshot('root-access-closed'));
    await megan.waitForBotMessage(/Closed at .*removed the password/);
    shot(await megan.screenshot('root-access-closed-approver'));
    await alex.openChat('General');
    await alex.waitForBotMessage(/Closed at .*removed the password/);
    shot(await alex.screenshot('root-access-oncall-closed'));
    await alex.openChat('Personal Chat');
    await alex.ask(`audit demo-sandbox`, /Removed the password/);
    shot(await alex.screenshot('root-access-history'));
    ok = true;
  } finally {
    await browser?.close().catch(() => undefined);
    await dev?.stop();
    await fake.stop();
    if (ok) rmSync(dataDir, { recursive: true, force: true });
    else console.error(`The bot's data is kept in ${dataDir}.`);
  }
  console.log(`\nDone: screenshots in ${screenshotDir}`);
}

function windowOf(dev: DevRun, who: string): string {
  const url = dev.windows[who];
  if (!url) throw new PlaygroundRunError(`npm run dev printed no Playground for ${who}:\n${dev.output()}`);
  return url;
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
