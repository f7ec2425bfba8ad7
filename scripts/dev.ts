import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

/**
 * `npm run dev`: starts the bot (as `npm start` does) and the Microsoft 365 Agents Playground against it, a
 * local Teams-like chat that works offline, twice: signed in as Alex Wilber (.m365agentsplayground.yml)
 * and as his manager Megan Bowen (.m365agentsplayground.megan.yml), since a Playground cannot switch
 * users. Ctrl-C stops all. PORT (default 3978) is the bot's port, PLAYGROUND_PORT (default 56150) Alex's
 * Playground, PLAYGROUND_MANAGER_PORT (default PLAYGROUND_PORT + 1) Megan's; a Playground picks a free
 * port itself when its own is taken.
 *
 * A RootMail bot already listening on PORT (`npm start`, whose banner suggests this) is used as it is: only
 * the Playgrounds start, attached to it, and Ctrl-C stops them and leaves the bot running. Anything else on
 * that port is named and `npm run dev` exits without starting anything.
 */

const root = path.join(__dirname, '..');
const botPort = Number(process.env.PORT ?? 3978);
const playgroundPort = Number(process.env.PLAYGROUND_PORT ?? 56150);
const managerPort = Number(process.env.PLAYGROUND_MANAGER_PORT ?? playgroundPort + 1);
const botUrl = `http://127.0.0.1:${botPort}`;
const children: ChildProcess[] = [];
let stopping = false;

function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`\n${name} stopped (${signal ?? `exit code ${code}`}); stopping the rest.`);
    stop(code ?? 1);
  });
  return child;
}

function stop(exitCode: number): void {
  if (stopping) return;
  stopping = true;
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  let left = running.length;
  if (!left) process.exit(exitCode);
  for (const child of running) {
    child.once('exit', () => --left === 0 && process.exit(exitCode));
    child.kill('SIGTERM');
  }
  setTimeout(() => process.exit(exitCode), 10_000).unref();
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

/** Resolves with the port the Playground says it listens on (it may choose another when ours is taken). */
function listeningPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the Playground did not start in time')), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      const match = /Listening on (\d+)/.exec(chunk.toString('utf8'));
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
}

/** What listens on the bot's port now: nothing, a RootMail bot (its /healthz), or something else. */
async function whoListens(): Promise<'nothing' | 'rootmail' | 'other'> {
  try {
    const res = await fetch(`${botUrl}/healthz`, { signal: AbortSignal.timeout(3_000) });
    const body = (await res.json().catch(() => undefined)) as
      { store?: { kind?: unknown }; uptimeSeconds?: unknown } | undefined;
    return typeof body?.store?.kind === 'string' && typeof body.uptimeSeconds === 'number'
      ? 'rootmail'
      : 'other';
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    return code === 'ECONNREFUSED' ? 'nothing' : 'other';
  }
}

async function main(): Promise<void> {
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));

  const listening = await whoListens();
  if (listening === 'other') {
    console.error(
      `Port ${botPort} is taken by something that is not RootMail: stop it, or set PORT to a free port (e.g. PORT=3980 npm run dev).`,
    );
    process.exit(1);
  }
  const attached = listening === 'rootmail';
  if (attached) {
    console.log(
      `A RootMail bot is already listening on ${botUrl} (npm start?): the Playgrounds attach to it; Ctrl-C stops them and leaves the bot running.`,
    );
  } else {
    const bot = start(
      'The bot',
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/main/index.ts'],
      {
        ...process.env,
        PORT: String(botPort),
      },
    );
    bot.stdout!.pipe(process.stdout);
    await waitForHealth(`${botUrl}/healthz`, 30_000);
  }

  const playground = (who: string, port: number, configFile: string) =>
    start(
      `The Agents Playground (${who})`,
      path.join(root, 'node_modules', '.bin', 'agentsplayground'),
      ['-e', `${botUrl}/api/messages`, '-c', 'msteams', '-p', String(port), '--disable-telemetry'],
      // Headless machines have no browser to open; the URL is printed instead.
      {
        ...process.env,
        TEAMSAPPTESTER_BROWSER: 'none',
        M365_AGENTS_PLAYGROUND_CONFIG_PATH: path.join(root, configFile),
      },
    );
  const alexPort = await listeningPort(
    playground('Alex', playgroundPort, '.m365agentsplayground.yml'),
    60_000,
  );
  const meganPort = await listeningPort(
    playground('Megan', managerPort, '.m365agentsplayground.megan.yml'),
    60_000,
  );
  console.log(
    [
      '',
      `Agents Playground, Alex Wilber (admin):  http://localhost:${alexPort}  (open it and type "help")`,
      `Agents Playground, Megan Bowen (his manager, approves his requests): http://localhost:${meganPort}`,
      `Bot endpoint:      ${botUrl}/api/messages`,
      'Keep both pages open: a Playground shows only what arrives while its page is open.',
      attached ? 'Ctrl-C stops the Playgrounds (the bot keeps running).' : 'Ctrl-C stops all.',
      '',
    ].join('\n'),
  );
}

main().catch((err: Error) => {
  console.error(`npm run dev failed: ${err.message}`);
  stop(1);
});
