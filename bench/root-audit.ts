import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { DEFAULT_ROOT_AUDIT_PACE, RootAuditPace } from '../src/app/aws/rootAudit';
import { loadConfig } from '../src/config';
import type { AddressRecord } from '../src/domain/addressRecords';
import { createLogger } from '../src/log/logger';
import { createApp } from '../src/main/createApp';
import { FakeAws } from '../test/support/fakeAws';
import { FakeBotConnector } from '../test/support/fakeBotConnector';
import { useOnCallChannel } from './oncallChannel';
import { cpuSeconds } from './processCpu';

/**
 * npm run bench:root-audit: on-demand reconciliations that audit the root users of 2,000 linked member
 * accounts — the real STS and IAM clients against the loopback AWS in its own process, the app as createApp
 * wires it (embedded store). Two runs:
 *   1. at the production pace (10 audits a second, 4 at once) in the fresh process, new root sessions: how
 *      long a real on-demand `reconcile` over 2,000 accounts takes (about 200 s) and what it costs; with
 *      `--quick` unpaced instead (the app's own ceiling);
 *   2. unpaced, at once after it: every root session is reused (no AssumeRoot).
 */
const ACCOUNTS = 2_000;
const quick = process.argv.includes('--quick');

async function main() {
  const connector = new FakeBotConnector();
  await connector.start();
  const aws = await startAws();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-bench-root-'));
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  try {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDBENCH';
    process.env.AWS_SECRET_ACCESS_KEY = 'bench-secret';
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpus().length} cores, Node ${process.version}`,
    );
    const config = loadConfig({
      DATA_DIR: dataDir,
      DEMO_POOL: 'false',
      AWS_CREDENTIAL_SOURCE: 'environment',
      AWS_ENDPOINT_URL_ORGANIZATIONS: aws.url,
      AWS_ENDPOINT_URL_ACCOUNT: aws.url,
      AWS_ENDPOINT_URL_STS: aws.url,
      AWS_ENDPOINT_URL_IAM: aws.url,
      LOG_LEVEL: 'silent',
    });
    const pace: RootAuditPace = { ...DEFAULT_ROOT_AUDIT_PACE, concurrency: 8, perSecond: 100_000 };
    app = await createApp(config, {
      logger: createLogger('silent'),
      startTimers: false,
      rootAuditPace: pace,
    });
    for (const record of registry()) await app.store.create('addresses', record.address, record);
    await useOnCallChannel(app, connector.url);

    // Root sessions last 15 minutes (AWS's clock, here the loopback AWS's), so the second run reuses them all.
    const unpaced = { concurrency: 8, perSecond: 100_000 };
    const runs: [string, Partial<RootAuditPace>][] = [
      quick
        ? ['unpaced, new root sessions (the app’s own cost)', unpaced]
        : [
            `production pace (${DEFAULT_ROOT_AUDIT_PACE.perSecond}/s, ${DEFAULT_ROOT_AUDIT_PACE.concurrency} at once), new root sessions`,
            DEFAULT_ROOT_AUDIT_PACE,
          ],
      ['unpaced, at once after it (root sessions reused)', unpaced],
    ];
    for (const [n, [label, runPace]] of runs.entries()) {
      Object.assign(pace, runPace);
      global.gc?.();
      await aws.counts(); // resets them
      const baseline = process.memoryUsage.rss();
      const heapBefore = process.memoryUsage().heapUsed;
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
      const cpuBefore = process.cpuUsage();
      const awsBefore = cpuSeconds(aws.pid);
      const started = performance.now();
      const outcome = await app.services.aws!.reconciler.run('api');
      const elapsed = (performance.now() - started) / 1000;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage.rss());
      const cpu = process.cpuUsage(cpuBefore);
      const awsCpu = cpuSeconds(aws.pid) - awsBefore;
      if (outcome.kind !== 'done') throw new Error('the run did not happen');
      const root = outcome.run.rootAudit!;
      const calls = await aws.counts();
      const iam = Object.entries(calls)
        .filter(([op]) => !['AssumeRoot', 'ListAccounts', 'ListOrganizationsFeatures'].includes(op))
        .reduce((n, [, c]) => n + c, 0);
      const appCpu = (cpu.user + cpu.system) / 1e6;
      console.log(`\n${n + 1}. ${label}: ${elapsed.toFixed(1)} s`);
      console.log(
        `  ${root.audited} root users audited (${root.failed} failed, ${root.deferred} deferred): ` +
          `${root.withCredentials} with root credentials, ${root.withAccessKeys} with access keys, ${root.withPassword} with a password; ` +
          `${outcome.run.findings} open findings, ${outcome.run.reported} reported now`,
      );
      console.log(
        `  AWS calls: AssumeRoot ${calls.AssumeRoot ?? 0}, IAM in root sessions ${iam} ` +
          `(${(iam / Math.max(1, root.audited)).toFixed(2)} per audit), ListAccounts ${calls.ListAccounts ?? 0}`,
      );
      console.log(
        `  CPU: the app ${appCpu.toFixed(2)} s (${((appCpu * 1000) / Math.max(1, root.audited)).toFixed(2)} ms per audit), ` +
          `loopback AWS ${awsCpu.toFixed(2)} s; ${(root.audited / elapsed).toFixed(0)} audits/s`,
      );
      global.gc?.();
      const heapAfter = process.memoryUsage().heapUsed;
      console.log(
        `  RSS ${(baseline / 1e6).toFixed(0)} → peak ${(peak / 1e6).toFixed(0)} MB (growth ${((peak - baseline) / 1e6).toFixed(1)} MB); ` +
          `heap kept after GC ${((heapAfter - heapBefore) / 1e6).toFixed(1)} MB`,
      );
    }
  } finally {
    await app?.close();
    aws.stop();
    await connector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Account i: `3000000xxxxx`, its alias `aws-root-xxxxx@contoso.com`, linked and assigned. */
const accountId = (i: number) => String(300_000_000_000 + i);
const alias = (i: number) => `aws-root-${String(i).padStart(5, '0')}@contoso.com`;

function registry(): AddressRecord[] {
  const at = new Date(Date.now() - 90 * 86_400_000).toISOString();
  return Array.from({ length: ACCOUNTS }, (_, i) => ({
    address: alias(i),
    mailbox: `pool-${Math.floor(i / 300)}@contoso.com`,
    strategy: 'pool',
    state: 'assigned',
    accountName: `team-${i}`,
    awsAccountId: accountId(i),
    owner: { id: `owner-${i % 300}`, name: `Owner ${i % 300}` },
    assignedAt: at,
    history: [],
  }));
}

/** Child process: the loopback AWS with 2,000 members, root access on, a few legacy root credentials. */
async function serveAws(): Promise<void> {
  const aws = new FakeAws();
  aws.root.enable();
  for (let i = 0; i < ACCOUNTS; i++) {
    const { id } = aws.addAccount({ id: accountId(i), name: `team-${i}`, email: alias(i) });
    if (i % 40 === 0) aws.root.givePassword(id);
    if (i % 100 === 0) aws.root.addAccessKey(id, { lastUsedAt: new Date('2026-03-01T00:00:00Z') });
    if (i % 250 === 0) {
      aws.root.addMfaDevice(id);
      aws.root.addSigningCertificate(id);
    }
  }
  await aws.start();
  console.log(`URL ${aws.baseUrl}`);
  // Each line on stdin asks for the calls since the last question, by operation.
  createInterface({ input: process.stdin }).on('line', () => {
    const counts: Record<string, number> = {};
    for (const c of aws.calls) counts[c.operation] = (counts[c.operation] ?? 0) + 1;
    aws.calls.length = 0;
    console.log(`COUNTS ${JSON.stringify(counts)}`);
  });
}

async function startAws() {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, '--aws'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  let url: ((u: string) => void) | undefined;
  const started = new Promise<string>((resolve, reject) => {
    url = resolve;
    child.on('exit', (code) => reject(new Error(`the loopback AWS exited ${code}`)));
  });
  lines.on('line', (line) => {
    if (line.startsWith('URL ')) url?.(line.slice(4));
    else if (line.startsWith('COUNTS ')) waiting.shift()?.(line.slice(7));
  });
  return {
    url: await started,
    pid: child.pid,
    counts: () =>
      new Promise<Record<string, number>>((resolve) => {
        waiting.push((json) => resolve(JSON.parse(json)));
        child.stdin!.write('counts\n');
      }),
    stop: () => child.kill(),
  };
}

(process.argv[2] === '--aws' ? serveAws : main)().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
