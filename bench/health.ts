import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { person } from '../src/domain/permissions';
import { ManualClock } from '../src/ports/clock';
import { SqliteDocumentStore } from '../src/storage/sqliteDocumentStore';
import { installedForUser, personalMessage } from '../test/support/activities';
import { addressUseCases, poolCsv } from '../test/support/addressFixtures';
import { startAppProcess } from '../test/support/appProcess';
import { FakeBotConnector } from '../test/support/fakeBotConnector';
import { users } from '../test/support/users';

/**
 * `npm run bench:health`: /healthz at the design size (100 mailboxes × 330 aliases = 33,000) with 10 callers
 * probing it in a loop while `help` is measured, against `help` alone. The app runs as production runs it
 * (the compiled process, embedded store, LOG_LEVEL info); the callers are this process. Prints p50/p99 of
 * both. Goal: help's p99 unaffected by the probes, ≤ 50 ms. BENCH_ALIASES_PER_MAILBOX, BENCH_HELPS change
 * the run.
 */
const MAILBOXES = 100;
const PER_MAILBOX = Number(process.env.BENCH_ALIASES_PER_MAILBOX ?? 330);
const HELPS = Number(process.env.BENCH_HELPS ?? 400);
const PROBERS = 10;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] * 10) / 10;
}

async function main(): Promise<void> {
  console.log(`bench:health: Node ${process.version}, load average ${loadavg()[0].toFixed(1)}`);
  execFileSync(process.execPath, ['scripts/build-if-stale.cjs'], { stdio: 'inherit' });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-bench-health-'));
  const started = Date.now();
  const store = SqliteDocumentStore.inDirectory(dataDir);
  await store.init();
  const { pool } = addressUseCases(store, { clock: new ManualClock(new Date()) });
  await pool.importCsv(poolCsv(MAILBOXES, PER_MAILBOX), person('bench', 'bench', true));
  console.log(`pool: ${await store.count('addresses', {})} aliases imported in ${Date.now() - started} ms`);
  await store.close();
  const connector = new FakeBotConnector();
  await connector.start();
  const app = await startAppProcess({ DATA_DIR: dataDir, DEMO_POOL: 'false', LOG_LEVEL: 'info' }, 120_000);
  const base = app.url;
  try {
    const post = async (activity: Record<string, unknown>) => {
      const res = await fetch(`${base}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`help answered ${res.status}`);
    };
    await post(installedForUser(connector.url, users.alice));
    const measureHelps = async () => {
      const times: number[] = [];
      for (let i = 0; i < HELPS; i++) {
        const begin = performance.now();
        await post(personalMessage(connector.url, users.alice, 'help'));
        times.push(performance.now() - begin);
        if (i % 100 === 0) connector.clear();
      }
      return times;
    };
    for (let i = 0; i < 50; i++) await post(personalMessage(connector.url, users.alice, 'help')); // warm-up
    const alone = await measureHelps();

    let probing = true;
    let failures = 0;
    const probes: number[] = [];
    const probers = Array.from({ length: PROBERS }, async () => {
      while (probing) {
        const begin = performance.now();
        const res = await fetch(`${base}/healthz`);
        await res.arrayBuffer();
        probes.push(performance.now() - begin);
        if (res.status !== 200) failures++;
      }
    });
    const withProbes = await measureHelps();
    probing = false;
    await Promise.all(probers);

    const line = (name: string, values: number[]) =>
      `${name.padEnd(32)} n=${String(values.length).padStart(6)}  p50 ${percentile(values, 0.5)} ms  p99 ${percentile(values, 0.99)} ms`;
    console.log(
      [
        '',
        `${MAILBOXES * PER_MAILBOX} aliases, ${PROBERS} concurrent /healthz probers`,
        line('help, alone', alone),
        line('help, with the probes', withProbes),
        line('/healthz, during help', probes),
        `/healthz failures: ${failures}`,
      ].join('\n'),
    );
    const p99 = percentile(withProbes, 0.99);
    console.log(
      p99 <= 50 && failures === 0 ? 'goal met (help p99 ≤ 50 ms)' : `goal missed: help p99 ${p99} ms`,
    );
    if (failures) process.exitCode = 1;
  } finally {
    await app.crash();
    await connector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
