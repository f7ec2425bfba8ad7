import { loadavg } from 'node:os';
import { fuzzRun } from '../test/support/fuzzRun';

/**
 * `npm run fuzz`: 5,000 mutated Teams activities, 2,000 Graph notification batches, 1,000 API calls, 1,000
 * bodies with every Content-Encoding (corrupt, bombs, lying lengths, bad Host headers) and 200 hostile SMTP
 * sessions against the real app (fast-check; FUZZ_SEED replays a run). Passes with no 5xx other than
 * botbuilder's 501, no internals in any answer, no error in the app's log, no live markdown in any plain
 * message, no SMTP mail trusted without the relay's stamp, /healthz answering fast throughout, and resident
 * memory after a full GC growing by at most 50 MB. FUZZ_ACTIVITIES, FUZZ_NOTIFICATIONS, FUZZ_API_CALLS,
 * FUZZ_ENCODINGS and FUZZ_SMTP change the sizes.
 */
async function main(): Promise<void> {
  const options = {
    activities: Number(process.env.FUZZ_ACTIVITIES ?? 5000),
    notifications: Number(process.env.FUZZ_NOTIFICATIONS ?? 2000),
    apiCalls: Number(process.env.FUZZ_API_CALLS ?? 1000),
    encodings: Number(process.env.FUZZ_ENCODINGS ?? 1000),
    smtpSessions: Number(process.env.FUZZ_SMTP ?? 200),
    seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
    log: (line: string) => console.log(`  ${line}`),
  };
  console.log(`fuzz: Node ${process.version}, load average ${loadavg()[0].toFixed(1)}`);
  const report = await fuzzRun(options);
  console.log(JSON.stringify(report, null, 2));
  const { activities, notifications, apiCalls, encodings, smtpSessions } = report.sent;
  const total = activities + notifications + apiCalls + encodings;
  const problems = [
    report.serverErrors.length && `${report.serverErrors.length} answers 5xx (other than 501)`,
    report.leaks.length && `${report.leaks.length} answers with internals`,
    report.internalErrors.count && `${report.internalErrors.count} errors in the app's log`,
    report.liveMarkdown.length && `${report.liveMarkdown.length} plain messages with live markdown`,
    report.smtp.findings.length && `${report.smtp.findings.length} SMTP sessions unanswered or failed (451)`,
    report.smtp.trustedWithoutRelay &&
      `${report.smtp.trustedWithoutRelay} SMTP mails trusted without the relay`,
    report.health.failures && `${report.health.failures} /healthz probes failed`,
    report.health.p99Ms > 250 && `/healthz p99 ${report.health.p99Ms} ms`,
    report.rssMb.growth === null && 'RSS not measured: run with node --expose-gc (npm run fuzz does)',
    (report.rssMb.growth ?? 0) > 50 && `RSS grew by ${report.rssMb.growth} MB after GC`,
  ].filter(Boolean);
  console.log(
    `\n${total} requests (${activities} activities, ${notifications} notification batches, ${apiCalls} API calls, ` +
      `${encodings} encoded bodies) and ${smtpSessions} SMTP sessions in ${report.seconds} s (seed ${report.seed})` +
      `\nHTTP answers: ` +
      Object.entries(report.statuses)
        .map(([status, n]) => `${n} × ${status}`)
        .join(', ') +
      `\nSMTP replies: ` +
      Object.entries(report.smtp.replies)
        .map(([code, n]) => `${n} × ${code}`)
        .join(', ') +
      `\nerrors in the app's log: ${report.internalErrors.count}` +
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
