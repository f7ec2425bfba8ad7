import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startDev } from '../../scripts/playground/driver';
import { AppProcess, startAppProcess } from '../support/appProcess';

const ROOT = path.join(__dirname, '..', '..');

/** Issue 20.3: `npm run dev` after `npm start` attaches the Playgrounds to that bot instead of dying. */
describe('npm run dev beside a bot already running', () => {
  let dataDir: string;
  let app: AppProcess | undefined;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-dev-'));
  });
  afterAll(async () => {
    await app?.crash();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('attaches both Playgrounds to the running bot, and Ctrl-C leaves the bot running', async () => {
    app = await startAppProcess({ DATA_DIR: dataDir });
    const botPort = Number(new URL(app.url).port);
    const dev = await startDev(dataDir, 170_000, { botPort });
    try {
      expect(dev.output()).toContain(`A RootMail bot is already listening on http://127.0.0.1:${botPort}`);
      expect(dev.output()).not.toMatch(/EADDRINUSE|stopping the rest/);
      expect(Object.keys(dev.windows).sort()).toEqual(['Alex Wilber', 'Megan Bowen']);
      // The Playground's page is served and points at the running bot.
      expect((await fetch(dev.windows['Alex Wilber'])).status).toBe(200);
    } finally {
      await dev.stop();
    }
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    expect(app.child.exitCode).toBeNull();
  }, 200_000);

  it('names anything else on the port in one line and exits without starting anything', async () => {
    const port = await freePort();
    const other: Server = createServer((_req, res) => {
      res.statusCode = 404;
      res.end('not here');
    });
    await new Promise<void>((resolve) => other.listen(port, '127.0.0.1', resolve));
    try {
      const child = spawn('npm', ['run', '--silent', 'dev'], {
        cwd: ROOT,
        env: { ...process.env, PORT: String(port), PLAYGROUND_PORT: String(await freePort()) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(1);
      expect(output.trim()).toBe(
        `Port ${port} is taken by something that is not RootMail: stop it, or set PORT to a free port (e.g. PORT=3980 npm run dev).`,
      );
    } finally {
      other.close();
    }
  }, 60_000);
});
