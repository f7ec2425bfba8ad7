import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { personalMessage } from '../test/support/activities';
import { FakeBotConnector } from '../test/support/fakeBotConnector';
import { sendRaw } from '../test/support/rawHttp';
import { users } from '../test/support/users';

/**
 * `npm run bench:bodies`: resident memory of the compiled app (dist/, started as `npm start` starts it) while
 * 4 gzip bombs arrive at once, BOMB_ROUNDS (default 5) times: ~200 KB of gzip that inflate to 200 MB each
 * (issue 18: restify's reader inflated them whole, 129 → 737 MB for one and 1.7 GB for four). RSS is read
 * from /proc every 5 ms; the peak is set against the RSS after warm-up. Goal: growth ≤ 64 MB. The app keeps
 * answering `help` between rounds. BENCH_APP_DIR runs another build (e.g. main's) for comparison.
 */
const APP_DIR = process.env.BENCH_APP_DIR ?? path.join(__dirname, '..');
const ROUNDS = Number(process.env.BOMB_ROUNDS ?? 5);
const BOMB_BYTES = 200 * 1024 * 1024;
const GOAL_MB = 64;

const rssMb = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
};

async function main(): Promise<void> {
  const bomb = zlib.gzipSync(Buffer.alloc(BOMB_BYTES), { level: 9 });
  const connector = new FakeBotConnector();
  await connector.start();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-bombs-'));
  const child = spawn(process.execPath, ['dist/src/main/index.js'], {
    cwd: APP_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'fatal',
      DEMO_POOL: 'false',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        output += d;
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]);
      });
      void exited.then((code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
    });
    const pid = child.pid!;
    const help = JSON.stringify(personalMessage(connector.url, users.alice, 'help'));
    const sendHelp = () =>
      sendRaw(url, 'POST', '/api/messages', { 'content-type': 'application/json' }, help);
    const sendBomb = () =>
      sendRaw(
        url,
        'POST',
        '/api/messages',
        { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        bomb,
      ).then(
        (a) => a.status,
        () => 'closed',
      );

    // Warm-up: the bot, zlib and the sockets, then a moment for the heap to settle.
    for (let i = 0; i < 20; i++) await sendHelp();
    for (let i = 0; i < 4; i++) await sendBomb();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const baseline = rssMb(pid);

    console.log(
      `gzip bombs against the compiled app in ${APP_DIR}: ${(bomb.length / 1024).toFixed(0)} KB on the wire, ` +
        `${BOMB_BYTES / 1024 / 1024} MB inflated; Node ${process.version}, load average ${loadavg()[0].toFixed(1)}`,
    );
    let peak = baseline;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, rssMb(pid));
      } catch {
        /* the process is gone: reported below */
      }
    }, 5);
    const answers: Record<string, number> = {};
    let helpOk = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      const statuses = await Promise.all(Array.from({ length: 4 }, sendBomb));
      const ms = performance.now() - started;
      for (const s of statuses) answers[s] = (answers[s] ?? 0) + 1;
      if ((await sendHelp().catch(() => ({ status: 0 }))).status === 200) helpOk++;
      console.log(
        `  round ${round + 1}: 4 bombs answered ${statuses.join(', ')} in ${ms.toFixed(0)} ms; RSS now ${rssMb(pid).toFixed(0)} MB, peak so far ${peak.toFixed(0)} MB`,
      );
    }
    clearInterval(sampler);
    const growth = peak - baseline;
    console.log(
      `\nRSS: ${baseline.toFixed(0)} MB after warm-up, peak ${peak.toFixed(0)} MB under 4 concurrent bombs ` +
        `(growth ${growth.toFixed(0)} MB; goal ≤ ${GOAL_MB} MB); answers ${JSON.stringify(answers)}; ` +
        `help answered after ${helpOk} of ${ROUNDS} rounds; process ${child.exitCode === null ? 'still running' : `exited ${child.exitCode}`}`,
    );
    if (growth > GOAL_MB || helpOk < ROUNDS || child.exitCode !== null) process.exitCode = 1;
  } finally {
    child.kill('SIGKILL');
    await connector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
