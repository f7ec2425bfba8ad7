import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Start-up: from `node` starting to the first 200 from /healthz, for the compiled app (dist/, as `npm start`
 * runs it) on a fresh DATA_DIR with no settings, next to a bare botbuilder + restify bot that answers
 * /healthz, started the same way in the same run. Goal: RootMail ≤ 2 s on a 2-core machine.
 * BENCH_STARTS (default 5) sets how many starts of each.
 */
const ROOT = path.join(__dirname, '..');
const STARTS = Number(process.env.BENCH_STARTS ?? 5);

const BARE_BOT = `
const { CloudAdapter, ConfigurationBotFrameworkAuthentication, ActivityHandler } = require('botbuilder');
const restify = require('restify');
const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
const bot = new ActivityHandler();
const server = restify.createServer();
server.use(restify.plugins.bodyParser());
server.get('/healthz', async (req, res) => { res.send(200, { status: 'ok' }); });
server.post('/api/messages', async (req, res) => { await adapter.process(req, res, (c) => bot.run(c)); });
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('RootMail is listening on http://127.0.0.1:' + server.address().port));
`;

async function timeStart(script: string): Promise<number> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-startup-'));
  const started = performance.now();
  const child = spawn(process.execPath, [script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        output += d;
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]);
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
    });
    for (;;) {
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return performance.now() - started;
    }
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `min ${sorted[0].toFixed(0)} ms, median ${median.toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms`;
}

async function main(): Promise<void> {
  const bare = path.join(mkdtempSync(path.join(tmpdir(), 'rootmail-bare-')), 'bare.js');
  writeFileSync(
    bare,
    `module.paths.unshift(${JSON.stringify(path.join(ROOT, 'node_modules'))});\n${BARE_BOT}`,
  );
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    // Interleaved, so a busy moment of the machine hits both alike.
    ours.push(await timeStart(path.join(ROOT, 'dist', 'src', 'main', 'index.js')));
    theirs.push(await timeStart(bare));
  }
  const median = (s: number[]) => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)];
  console.log(`start-up to /healthz 200 (load average ${loadavg()[0].toFixed(1)}), ${STARTS} starts each:`);
  console.log(`  RootMail (dist, embedded store): ${summary(ours)}  (goal ≤ 2000 ms)`);
  console.log(`  bare botbuilder + restify bot:   ${summary(theirs)}`);
  console.log(`  ratio RootMail / bare (medians): ${(median(ours) / median(theirs)).toFixed(2)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
