import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import {
  DevRun,
  startDev,
  findChromium,
  launchChromium,
  PlaygroundRunError,
  PlaygroundWindow,
} from './playground/driver';

/**
 * npm run try:playground [-- <screenshot folder>]   (default docs/screenshots)
 *
 * A person's first minutes with the bot, in a real browser: starts `npm run dev` on free ports with a
 * fresh DATA_DIR, opens the Agents Playground as Alex Wilber and as his manager Megan Bowen in the system
 * Chromium, types `help` in each personal chat, waits for the card and saves screenshots. Exits 0 when
 * every step showed what a person would expect; otherwise says which step did not, with a screenshot.
 *
 * Next steps to add as the bot supports them (each one line with the PlaygroundWindow steps):
 *   alex.ask('request payments-prod prod card payments', 'Megan Bowen') → megan.waitForBotMessage('asks for a
 *   root e-mail address') → megan.clickCardButton('Approve') → alex.waitForBotMessage('is ready');
 *   alex.openChat('General') → alex.postInChannel('setup oncall') → mail:inject → 'Reveal'.
 */

const ALEX = 'Alex Wilber';
const MEGAN = 'Megan Bowen';
const HELP_CARD = 'Show what I can do';

async function main(): Promise<void> {
  const screenshotDir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'docs', 'screenshots'));
  const chromiumPath = findChromium(); // before anything starts: the commonest thing to be missing
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-try-'));
  let dev: DevRun | undefined;
  let browser: Browser | undefined;
  let ok = false;
  try {
    step('starting npm run dev (the bot and two Agents Playgrounds)');
    dev = await startDev(dataDir);
    const urlOf = (who: string) => {
      const url = dev!.windows[who];
      if (!url)
        throw new PlaygroundRunError(`npm run dev printed no Playground for ${who}:\n${dev!.output()}`);
      return url;
    };
    browser = await launchChromium(chromiumPath);

    step(`${ALEX}: help`);
    const alex = await PlaygroundWindow.open(browser, urlOf(ALEX), ALEX, { screenshotDir });
    await alex.openChat('Personal Chat');
    await alex.ask('help', HELP_CARD);
    shot(await alex.screenshot('alex-help'));

    step(`${MEGAN} (second window): help`);
    const megan = await PlaygroundWindow.open(browser, urlOf(MEGAN), MEGAN, { screenshotDir });
    await megan.openChat('Personal Chat');
    await megan.ask('help', HELP_CARD);
    shot(await megan.screenshot('megan-help'));
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
    console.error(err instanceof PlaygroundRunError ? `\n${err.message}` : err);
    process.exit(1);
  },
);
