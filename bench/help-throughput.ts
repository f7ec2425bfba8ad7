import {
  ActivityHandler,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationBotFrameworkAuthenticationOptions,
} from 'botbuilder';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import restify from 'restify';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/main/createApp';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log/logger';
import { personalMessage } from '../test/support/activities';
import { FakeBotConnector } from '../test/support/fakeBotConnector';
import { users } from '../test/support/users';

/**
 * `npm run bench`: requests/s of a personal `help` through our whole app (restify, CloudAdapter, the bot,
 * the embedded store, logging at the production level) against a bare botbuilder echo bot measured in the
 * same run, both answering through a loopback fake Bot Connector. Goal: ours/bare >= 0.85 (issue 18: every
 * check of the hardening rounds kept, at the price of a few percent).
 * BENCH_SECONDS (default 5) sets the length of each run, BENCH_ROUNDS (default 3) how many interleaved runs.
 */

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
// autocannon ships no types; this is the part of its API the bench uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<AutocannonResult>;

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCIES = [1, 20];

interface Target {
  name: string;
  url: string;
  close(): Promise<void>;
}

async function startBareEchoBot(): Promise<Target> {
  const adapter = new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication({} as ConfigurationBotFrameworkAuthenticationOptions),
  );
  const bot = new ActivityHandler();
  bot.onMessage(async (turn, next) => {
    await turn.sendActivity(`echo: ${turn.activity.text}`);
    await next();
  });
  const server = restify.createServer();
  server.use(restify.plugins.bodyParser());
  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name: 'bare echo bot',
    url: `http://127.0.0.1:${port}/api/messages`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function startRootMail(): Promise<Target> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-bench-'));
  const config = loadConfig({ DATA_DIR: dataDir });
  const discard = new Writable({ write: (_chunk, _enc, cb) => cb() });
  const app = await createApp(config, { logger: createLogger(config.logLevel, discard), startTimers: false });
  const base = await app.listen(0, '127.0.0.1');
  return {
    name: 'RootMail (embedded store)',
    url: `${base}/api/messages`,
    close: async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
}

/** The round with the median throughput (its latencies come with it). */
function median(figures: Figures[]): Figures {
  return [...figures].sort((a, b) => a.rps - b.rps)[Math.floor(figures.length / 2)];
}

async function measure(target: Target, body: string, connections: number, seconds: number): Promise<Figures> {
  const result = await autocannon({
    url: target.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
  });
  if (result.non2xx || result.errors) {
    throw new Error(`${target.name}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

async function main(): Promise<void> {
  const connector = new FakeBotConnector();
  await connector.start();
  // The connector records every reply; keep memory flat during long runs.
  const trim = setInterval(() => connector.clear(), 1000);
  const body = JSON.stringify(personalMessage(connector.url, users.alice, 'help'));
  const targets = [await startBareEchoBot(), await startRootMail()];

  console.log(
    `help throughput: ${ROUNDS} interleaved rounds of ${SECONDS} s per bot and concurrency (medians shown),\n` +
      `loopback fake Bot Connector, Node ${process.version}, load average ${loadavg()[0].toFixed(1)}\n`,
  );
  for (const connections of CONCURRENCIES) {
    for (const target of targets) await measure(target, body, connections, 1); // warm-up: JIT, store, sockets
    const rounds: Figures[][] = [];
    // Bare and ours take turns, so a busy neighbour on a shared machine slows both alike.
    for (let round = 0; round < ROUNDS; round++) {
      const figures: Figures[] = [];
      for (const target of targets) figures.push(await measure(target, body, connections, SECONDS));
      rounds.push(figures);
    }
    targets.forEach((t, i) => {
      const f = median(rounds.map((r) => r[i]));
      console.log(
        `c=${String(connections).padEnd(3)} ${t.name.padEnd(26)} ${f.rps.toFixed(0).padStart(6)} req/s` +
          `   p50 ${f.p50} ms   p99 ${f.p99} ms`,
      );
    });
    const ratios = rounds.map(([bare, ours]) => ours.rps / bare.rps).sort((a, b) => a - b);
    console.log(
      `c=${String(connections).padEnd(3)} ratio ours/bare: ${ratios[Math.floor(ratios.length / 2)].toFixed(2)}` +
        ` (rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')}; goal >= 0.85)\n`,
    );
  }
  clearInterval(trim);
  for (const t of targets) await t.close();
  await connector.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
