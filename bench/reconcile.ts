import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { AssignedIndex } from '../src/app/addresses/assignedIndex';
import { loadConfig } from '../src/config';
import type { AddressRecord } from '../src/domain/addressRecords';
import { poolBucketOf } from '../src/domain/addressRules';
import { createLogger } from '../src/log/logger';
import { createApp } from '../src/main/createApp';
import { CosmosDocumentStore } from '../src/storage/cosmosDocumentStore';
import { FakeAws } from '../test/support/fakeAws';
import { FakeBotConnector } from '../test/support/fakeBotConnector';
import { startCosmosServerProcess } from './cosmosProcess';
import { useOnCallChannel } from './oncallChannel';
import { counting } from './countingStore';
import { cpuSeconds } from './processCpu';

/**
 * npm run bench:reconcile: one reconciliation of 5,000 AWS accounts (the real AWS SDK against the loopback
 * AWS, 250 pages) against 33,000 registry records on the Cosmos-protocol server (its own process), through
 * the app as createApp wires it. Prints wall time, peak RSS growth and store calls per account, for the
 * first run (auto-links, every finding new) and a steady hourly run (nothing changed).
 * Goals: ≤ 10 s, RSS growth ≤ 100 MB.
 */
const ACCOUNTS = 5_000;
const RECORDS = 33_000;
const LINKED = 4_000; // accounts whose alias is assigned and linked
const UNLINKED = 500; // assigned aliases an account uses, not linked yet (auto-linked by the first run)
const ENDED = 100; // closed / suspended accounts whose alias is still assigned
const MISMATCH = 79; // linked by id, but the account's root e-mail moved elsewhere
const IN_USE = 20; // free aliases an account uses
const LEGACY = ACCOUNTS - 1 - LINKED - UNLINKED - ENDED - MISMATCH - IN_USE; // outside the registry (300)
const UNUSED = 200; // assigned for months, no account

async function main() {
  const cosmos = await startCosmosServerProcess();
  const connector = new FakeBotConnector();
  await connector.start();
  // The loopback AWS in its own process too: the bench measures the app and its AWS client, not AWS.
  const aws = await startChild('--aws', {}).catch(async (err) => {
    await Promise.all([connector.stop(), cosmos.stop()]);
    throw err;
  });
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  try {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDBENCH';
    process.env.AWS_SECRET_ACCESS_KEY = 'bench-secret';
    const real = new CosmosDocumentStore({ endpoint: cosmos.endpoint, key: cosmos.key, database: 'bench' });
    const { store, calls } = counting(real);
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpus().length} cores`,
    );
    const config = loadConfig({
      COSMOS_ENDPOINT: cosmos.endpoint,
      COSMOS_KEY: cosmos.key,
      COSMOS_DATABASE: 'bench',
      // Nothing here asks the directory; a loopback Graph keeps the settings check content.
      GRAPH_BASE_URL: `${connector.url}v1.0`,
      AWS_CREDENTIAL_SOURCE: 'environment',
      AWS_ENDPOINT_URL_ORGANIZATIONS: aws.url,
      AWS_ENDPOINT_URL_ACCOUNT: aws.url,
      AWS_ENDPOINT_URL_STS: aws.url,
      LOG_LEVEL: 'silent',
    });
    app = await createApp(config, { store, logger: createLogger('silent'), startTimers: false });
    let started = performance.now();
    await (
      await startChild('--seed', { BENCH_COSMOS_ENDPOINT: cosmos.endpoint, BENCH_COSMOS_KEY: cosmos.key })
    ).exited;
    console.log(
      `seeded ${RECORDS} records (in a child process) and ${ACCOUNTS} accounts in ${secs(started)}`,
    );
    await useOnCallChannel(app, connector.url);

    for (const label of ['first run (500 auto-links, every finding new)', 'steady run (nothing changed)']) {
      global.gc?.();
      calls.clear();
      const baseline = process.memoryUsage();
      let peak = baseline.rss;
      let peakHeap = baseline.heapUsed;
      // Cheap readings only: process.memoryUsage() itself costs a millisecond or more.
      const sample = () => {
        peak = Math.max(peak, process.memoryUsage.rss());
        peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
      };
      const sampler = setInterval(sample, 100);
      const cpuBefore = process.cpuUsage();
      const serverBefore = cpuSeconds(cosmos.pid);
      const awsBefore = cpuSeconds(aws.pid);
      started = performance.now();
      const outcome = await app.services.aws!.reconciler.run('api');
      const elapsed = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      const serverCpu = cpuSeconds(cosmos.pid) - serverBefore;
      const awsCpu = cpuSeconds(aws.pid) - awsBefore;
      clearInterval(sampler);
      sample();
      if (outcome.kind !== 'done') throw new Error('the run did not happen');
      const run = outcome.run;
      const total = [...calls.values()].reduce((a, b) => a + b, 0);
      console.log(`\n${label}: ${(elapsed / 1000).toFixed(2)} s (goal ≤ 10 s)`);
      console.log(
        `  CPU: the app ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, ` +
          `Cosmos-protocol server ${serverCpu.toFixed(2)} s, loopback AWS ${awsCpu.toFixed(2)} s`,
      );
      console.log(
        `  ${run.accounts} accounts, ${run.records} records compared, ${run.known} known, ${run.autoLinked} auto-linked, ` +
          `${run.findings} findings (${run.reported} reported, ${run.unchanged} unchanged), ${run.accounts / 20} ListAccounts pages`,
      );
      console.log(
        `  peak RSS growth ${((peak - baseline.rss) / 1e6).toFixed(1)} MB (goal ≤ 100 MB; RSS ${(baseline.rss / 1e6).toFixed(0)} → ${(peak / 1e6).toFixed(0)} MB), ` +
          `peak heap growth ${((peakHeap - baseline.heapUsed) / 1e6).toFixed(1)} MB`,
      );
      console.log(
        `  store calls: ${total} = ${(total / ACCOUNTS).toFixed(2)} per account (${[...calls]
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')})`,
      );
    }
  } finally {
    await app?.close();
    aws.stop();
    await Promise.all([connector.stop(), cosmos.stop()]);
  }
}

interface PlannedAccount {
  id: string;
  email: string;
  name: string;
  state: 'ACTIVE' | 'SUSPENDED' | 'CLOSED';
}

/**
 * The organisation and the registry, the same in both processes: accounts `3000000xxxxx`, aliases
 * `aws-xxxxx@contoso.com`; which account uses which alias and which records are linked follows the counts above.
 */
function plan(withRecords: boolean) {
  const monthsAgo = new Date(Date.now() - 120 * 86_400_000).toISOString();
  const alias = (i: number) => `aws-${String(i).padStart(5, '0')}@contoso.com`;
  const accounts: PlannedAccount[] = [];
  const records: AddressRecord[] = [];
  const keys: { id: string; address: string }[] = [];
  let n = 0;
  const account = (email: string, name: string, state: PlannedAccount['state'] = 'ACTIVE') => {
    const id = String(300_000_000_000 + accounts.length);
    accounts.push({ id, email, name, state });
    return id;
  };
  const add = (fields: Partial<AddressRecord>) => {
    const address = alias(n++);
    if (!withRecords) return;
    const record: AddressRecord = {
      address,
      mailbox: `pool-${Math.floor(n / 300)}@contoso.com`,
      strategy: 'pool',
      state: 'available',
      bucket: poolBucketOf(address),
      history: [{ at: monthsAgo, by: 'import', action: 'imported' }],
      ...fields,
    };
    records.push(record);
    if (record.awsAccountId) keys.push({ id: `aws:${record.awsAccountId}`, address });
  };
  const owned = (i: number): Partial<AddressRecord> => ({
    state: 'assigned',
    accountName: `team-${i}`,
    owner: { id: `owner-${i % 300}`, name: `Owner ${i % 300}` },
    assignedAt: monthsAgo,
  });
  for (let i = 0; i < LINKED; i++) add({ ...owned(i), awsAccountId: account(alias(n), `team-${i}`) });
  for (let i = 0; i < UNLINKED; i++) {
    account(alias(n), `new-${i}`);
    add(owned(i));
  }
  for (let i = 0; i < ENDED; i++)
    add({ ...owned(i), awsAccountId: account(alias(n), `old-${i}`, i % 2 ? 'CLOSED' : 'SUSPENDED') });
  for (let i = 0; i < MISMATCH; i++)
    add({ ...owned(i), awsAccountId: account(`moved-${i}@example.org`, `moved-${i}`) });
  for (let i = 0; i < IN_USE; i++) {
    account(alias(n), `stray-${i}`);
    add({});
  }
  for (let i = 0; i < LEGACY; i++) account(`legacy-${i}@example.org`, `legacy-${i}`);
  for (let i = 0; i < UNUSED; i++) add(owned(i));
  while (n < RECORDS) add({});
  return { accounts, records, keys };
}

/** Child process: writes the registry straight to the store in parallel lanes (setup, not measured). */
async function seed(endpoint: string, key: string): Promise<void> {
  const store = new CosmosDocumentStore({ endpoint, key, database: 'bench' });
  await store.init();
  const { records, keys } = plan(true);
  const writes: (() => Promise<unknown>)[] = [
    ...records.map((r) => () => store.create('addresses', r.address, r)),
    ...keys.map(
      (k) => () => store.create('addressKeys', k.id, { address: k.address, at: '2026-01-01T00:00:00Z' }),
    ),
  ];
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < writes.length) await writes[next++]();
    }),
  );
  // What the registry's allocations would have written: the index of assigned addresses.
  await new AssignedIndex(store).fill(
    records
      .filter((r) => r.state === 'assigned')
      .map((r) => ({ address: r.address, accountId: r.awsAccountId ?? '' })),
    new Date().toISOString(),
  );
  await store.close();
}

/** The store with every call counted by operation (the bench's own thin wrapper). */
const secs = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** Child process: the loopback AWS with the planned organisation; prints its port. */
async function serveAws(): Promise<void> {
  const aws = new FakeAws();
  for (const account of plan(false).accounts) aws.addAccount(account);
  await aws.start();
  console.log(`URL ${aws.baseUrl}`);
}

/**
 * This file in another process (`--seed` writes the registry, so what seeding allocates is not counted as
 * the run's memory; `--aws` serves the loopback AWS).
 */
async function startChild(mode: '--seed' | '--aws', env: Record<string, string>) {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, mode], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 || code === null ? resolve() : reject(new Error(`${mode} exited ${code}`)),
    ),
  );
  const url =
    mode === '--aws'
      ? await new Promise<string>((resolve, reject) => {
          child.stdout!.on('data', (chunk: Buffer) => {
            const match = /URL (\S+)/.exec(chunk.toString());
            if (match) resolve(match[1]);
          });
          exited.then(() => reject(new Error('the loopback AWS stopped')), reject);
        })
      : '';
  return { url, pid: child.pid, exited, stop: () => child.kill() };
}

const modes: Record<string, () => Promise<void>> = {
  '--seed': () => seed(process.env.BENCH_COSMOS_ENDPOINT!, process.env.BENCH_COSMOS_KEY!),
  '--aws': serveAws,
};
(modes[process.argv[2]] ?? main)().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
