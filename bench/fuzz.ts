import { loadavg } from 'node:os';
import { fuzzRun } from '../test/support/fuzzRun';

/**
 * `npm run fuzz`: 5,000 mutated Teams activities, 2,000 Graph notification batches and 1,000 API calls to
 * the real app over HTTP (fast-check; FUZZ_SEED replays a run). Passes with no 5xx other than botbuilder's
 * 501, no internals in any answer, no live markdown in any plain message, /healthz answering fast throughout, and resident memory after a full GC
 * growing by at most 50 MB. FUZZ_ACTIVITIES, FUZZ_NOTIFICATIONS and FUZZ_API_CALLS change the sizes.
 */
async function main(): Promise<void> {
  const options = {
    activities: Number(process.env.FUZZ_ACTIVITIES ?? 5000),
    notifications: Number(process.env.FUZZ_NOTIFICATIONS ?? 2000),
    apiCalls: Number(process.env.FUZZ_API_CALLS ?? 1000),
    seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
    log: (line: string) => console.log(`  ${line}`),
  };
  console.log(`fuzz: Node ${process.version}, load average ${loadavg()[0].toFixed(1)}`);
  const report = await fuzzRun(options);
  console.log(JSON.stringify(report, null, 2));
  const total = report.sent.activities + report.sent.notifications + report.sent.apiCalls;
  const problems = [
    report.serverErrors.length && `${report.serverErrors.length} answers 5xx (other than 501)`,
    report.leaks.length && `${report.leaks.length} answers with internals`,
    report.liveMarkdown.length && `${report.liveMarkdown.length} plain messages with live markdown`,
    report.health.failures && `${report.health.failures} /healthz probes failed`,
    report.health.p99Ms > 250 && `/healthz p99 ${report.health.p99Ms} ms`,
    report.rssMb.growth === null && 'RSS not measured: run with node --expose-gc (npm run fuzz does)',
    (report.rssMb.growth ?? 0) > 50 && `RSS grew by ${report.rssMb.growth} MB after GC`,
  ].filter(Boolean);
  console.log(
    `\n${total} requests in ${report.seconds} s (seed ${report.seed}): ` +
      Object.entries(report.statuses)
        .map(([status, n]) => `${n} × ${status}`)
        .join(', ') +
      `\nplain messages checked for live markdown: ${report.plainMessagesChecked}, live: ${report.liveMarkdown.length}` +
      `\n/healthz: ${report.health.probes} probes, p99 ${report.health.p99Ms} ms, max ${report.health.maxMs} ms` +
      `\nRSS after GC: ${report.rssMb.afterWarmUp} MB → ${report.rssMb.atEnd} MB (${report.rssMb.growth} MB); ` +
      `heap ${report.heapMb.afterWarmUp} MB → ${report.heapMb.atEnd} MB` +
      `\n${problems.length ? `FAILED: ${problems.join('; ')}` : 'passed'}`,
  );
  if (problems.length) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
