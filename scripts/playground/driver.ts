import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Browser, chromium, Locator, Page } from 'playwright-core';

/**
 * Drives `npm run dev` and its Agents Playground pages in the system Chromium, one small step at a time,
 * for scripts/try-playground.ts and anything that wants to click through the bot like a person.
 */

const root = path.join(__dirname, '..', '..');

/** Thrown for problems a person can fix; the script prints the message only. */
export class PlaygroundRunError extends Error {
  override name = 'PlaygroundRunError';
}

/** The system Chromium (Debian's `chromium` package); browser downloads do not work here. */
export function findChromium(): string {
  const wanted = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(wanted)) {
    throw new PlaygroundRunError(
      `Chromium is not installed (looked for ${wanted}). Install Debian's package: ` +
        `apt-get update && apt-get install -y chromium  (or set CHROMIUM_PATH to another Chromium).`,
    );
  }
  return wanted;
}

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--headless=new',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface DevRun {
  /** Playground page URL per signed-in person, e.g. `{ 'Alex Wilber': 'http://localhost:56150' }`. */
  windows: Record<string, string>;
  botUrl: string;
  /** Everything `npm run dev` printed so far (for a failure report). */
  output(): string;
  /** Ctrl-C for the whole process group (bot and Playgrounds); resolves when it is gone. */
  stop(): Promise<void>;
}

/**
 * `npm run dev` with its own DATA_DIR, resolving once both Playgrounds listen: on free ports, or on the ports
 * the environment names (PORT, PLAYGROUND_PORT, PLAYGROUND_MANAGER_PORT) with `fromEnv`, as a person's run
 * does; attached to a bot already listening on `botPort` when one does.
 */
export async function startDev(
  dataDir: string,
  timeoutMs = 180_000,
  ports: { botPort?: number; fromEnv?: boolean } = {},
): Promise<DevRun> {
  const env = (name: string) => (ports.fromEnv && Number(process.env[name])) || undefined;
  const botPort = ports.botPort ?? env('PORT') ?? (await freePort());
  const alexPort = env('PLAYGROUND_PORT') ?? (await freePort());
  const meganPort =
    env('PLAYGROUND_MANAGER_PORT') ??
    (ports.fromEnv && env('PLAYGROUND_PORT') ? alexPort + 1 : await freePort());
  const child = spawn('npm', ['run', 'dev'], {
    cwd: root,
    detached: true, // its own process group, so stop() reaches the bot and both Playgrounds
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(botPort),
      PLAYGROUND_PORT: String(alexPort),
      PLAYGROUND_MANAGER_PORT: String(meganPort),
      DATA_DIR: dataDir,
    },
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const run: DevRun = {
    windows: {},
    botUrl: `http://127.0.0.1:${botPort}`,
    output: () => output,
    stop: () => stopGroup(child),
  };
  const deadline = Date.now() + timeoutMs;
  while (!/Ctrl-C stops (all|the Playgrounds)/.test(output)) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new PlaygroundRunError(`npm run dev stopped before it was ready:\n${tail(output)}`);
    }
    if (Date.now() > deadline) {
      await run.stop();
      throw new PlaygroundRunError(
        `npm run dev was not ready within ${timeoutMs / 1000} s:\n${tail(output)}`,
      );
    }
    await sleep(250);
  }
  for (const [, who, url] of output.matchAll(/^Agents Playground, ([^(]+?) \(.*?(http:\/\/\S+)/gm)) {
    run.windows[who] = url;
  }
  return run;
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      /* already gone */
    }
  };
  signal('SIGINT');
  const timer = setTimeout(() => signal('SIGKILL'), 15_000);
  await gone;
  clearTimeout(timer);
}

/** One Playground page, signed in as one person. Steps wait for what a person would wait for. */
export class PlaygroundWindow {
  private constructor(
    readonly page: Page,
    readonly who: string,
    private readonly screenshotDir: string,
    private readonly botName: string,
  ) {}

  static async open(
    browser: Browser,
    url: string,
    who: string,
    options: { screenshotDir: string; botName?: string },
  ): Promise<PlaygroundWindow> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(url);
    await page.getByRole('textbox').first().waitFor({ timeout: 60_000 });
    await expectText(page.getByText(who, { exact: true }).first(), `${who} signed in at ${url}`);
    mkdirSync(options.screenshotDir, { recursive: true });
    return new PlaygroundWindow(page, who, options.screenshotDir, options.botName ?? 'RootMail');
  }

  /** Opens a conversation from the left rail: 'Personal Chat', 'Group Chat', 'General', 'Announcements'. */
  async openChat(name: string): Promise<void> {
    await this.page.getByRole('treeitem', { name: new RegExp(`(^| - )${name}$`) }).click();
    await this.page.getByRole('textbox').first().waitFor();
  }

  /** Types a message in the open chat and sends it, as a person would (Enter). */
  async type(text: string): Promise<void> {
    const box = this.page.getByRole('textbox').first();
    await box.click();
    await this.page.keyboard.type(text);
    await this.page.keyboard.press('Enter');
  }

  /** Starts a new post in the open channel: "@<bot> text", the mention picked from the Playground's list. */
  async postInChannel(text: string): Promise<void> {
    await this.page.getByRole('textbox').first().click();
    await this.page.keyboard.type('@');
    await this.page.getByText(this.botName, { exact: true }).last().click();
    await this.page.keyboard.type(` ${text}`);
    await this.page.getByRole('button', { name: 'Post', exact: true }).click();
  }

  /** Bot messages (text or card) in the open conversation that contain `text`. */
  botMessages(text: string | RegExp): Locator {
    return this.page
      .locator('div')
      .filter({ has: this.page.locator(`[role="img"][aria-label="${this.botName}"]`) })
      .filter({ hasNot: this.page.getByRole('treeitem') })
      .filter({ hasText: text });
  }

  /** How many bot messages contain `text` now; pass it to waitForBotMessage to wait for a new one. */
  async countBotMessages(text: string | RegExp): Promise<number> {
    return countMessages(this.botMessages(text));
  }

  /** Waits for a bot message containing `text` (a new one when `after` is the count taken before). */
  async waitForBotMessage(text: string | RegExp, options: { after?: number; timeoutMs?: number } = {}) {
    const { after = 0, timeoutMs = 30_000 } = options;
    const deadline = Date.now() + timeoutMs;
    while ((await this.countBotMessages(text)) <= after) {
      if (Date.now() > deadline) {
        const shot = await this.screenshot(`failed-${slug(this.who)}`);
        throw new PlaygroundRunError(
          `${this.who}: no reply from ${this.botName} containing ${String(text)} within ${timeoutMs / 1000} s ` +
            `(screenshot: ${shot}).`,
        );
      }
      await sleep(200);
    }
  }

  /** Types a message and waits for the bot's new reply containing `expected`. */
  async ask(text: string, expected: string | RegExp, timeoutMs?: number): Promise<void> {
    const before = await this.countBotMessages(expected);
    await this.type(text);
    await this.waitForBotMessage(expected, { after: before, timeoutMs });
  }

  /** Fills an input of the latest card that has it, by (the start of) its label. */
  async fillCardInput(label: string, value: string): Promise<void> {
    const input = this.page.getByLabel(label).last();
    await input.click();
    await this.page.keyboard.press('ControlOrMeta+A');
    await this.page.keyboard.type(value);
  }

  /** Clicks a card button by its title on the latest card that has one (Action.Execute or Action.Submit). */
  async clickCardButton(title: string): Promise<void> {
    await this.page.getByRole('button', { name: title, exact: true }).last().click();
  }

  /** Clicks a button (card or hero card) and waits for the bot's new message containing `expected`. */
  async clickAndWait(title: string, expected: string | RegExp, timeoutMs?: number): Promise<void> {
    const before = await this.countBotMessages(expected);
    await this.clickCardButton(title);
    await this.waitForBotMessage(expected, { after: before, timeoutMs });
  }

  /** Saves what the page shows as `<dir>/<name>.png` and answers the path. */
  async screenshot(name: string): Promise<string> {
    const file = path.join(this.screenshotDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}

async function countMessages(locator: Locator): Promise<number> {
  // Nested divs of one message all match; count the innermost ones only.
  return locator.evaluateAll(
    (elements) => elements.filter((e) => !elements.some((o) => o !== e && e.contains(o))).length,
  );
}

async function expectText(locator: Locator, what: string): Promise<void> {
  try {
    await locator.waitFor({ timeout: 30_000 });
  } catch {
    throw new PlaygroundRunError(`Expected ${what}, but it did not show.`);
  }
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function tail(text: string, lines = 40): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `npm run mail:inject -- <file>` against the bot of this run (its port and DATA_DIR); answers its output. */
export async function injectMail(dev: DevRun, dataDir: string, file: string): Promise<string> {
  const port = new URL(dev.botUrl).port;
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      ['run', '--silent', 'mail:inject', '--', file],
      { cwd: root, env: { ...process.env, PORT: port, DATA_DIR: dataDir } },
      (err, stdout, stderr) =>
        err
          ? reject(new PlaygroundRunError(`mail:inject failed: ${stderr || err.message}`))
          : resolve(stdout),
    );
  });
}
