import { loadavg } from 'node:os';
import { crashRun } from '../test/support/crashRun';
import { mailCrashRun } from '../test/support/mailCrashRun';

/**
 * `npm run crash`: the heavy crash run of issue 10 — 100 approvals in flight, the real process killed with
 * SIGKILL 3 times and restarted on the same data, a Bot Connector answering in 20 ms. Prints what was lost
 * (must be nothing), what was given twice (must be nothing) and the duplicate messages (goal ≤ 1 % of the
 * requests). CRASH_REQUESTS, CRASH_KILLS and CRASH_LATENCY_MS change the run. Then the same during a burst
 * of CRASH_MAILS (300) mails: none lost, every one posted, and the cards posted twice (a kill while the post
 * was in flight: sent again, since a code that never reached on-call would be worse).
 */
async function main(): Promise<void> {
  const requests = Number(process.env.CRASH_REQUESTS ?? 100);
  const kills = Number(process.env.CRASH_KILLS ?? 3);
  const latency = Number(process.env.CRASH_LATENCY_MS ?? 20);
  console.log(
    `crash run: ${requests} approvals, ${kills} × kill -9, Bot Connector latency ${latency} ms, ` +
      `Node ${process.version}, load average ${loadavg()[0].toFixed(1)}`,
  );
  const report = await crashRun({
    requests,
    kills,
    connectorLatencyMs: latency,
    log: (l) => console.log(`  ${l}`),
  });
  console.log(JSON.stringify(report, null, 2));
  const lost = report.requests - report.fulfilled + report.addressNotShown + report.auditGaps;
  const given =
    report.doubleDecisions + report.doubleAllocations + (report.fulfilled - report.distinctAddresses);
  console.log(
    `\nlost: ${lost}   given twice: ${given}   assigned aliases: ${report.assignedAliases} of ${report.requests}` +
      `\nduplicate messages: ${report.duplicates.total} (${((100 * report.duplicates.total) / report.requests).toFixed(1)} % of requests; goal ≤ 1 %)` +
      `\nresults shown by updating the status card (their post was in doubt after a kill): ${report.resultsShownByUpdate}`,
  );
  if (
    lost ||
    given ||
    report.assignedAliases !== report.requests ||
    report.duplicates.total > report.requests / 100
  )
    process.exitCode = 1;

  const mails = Number(process.env.CRASH_MAILS ?? 300);
  console.log(`\nmail burst: ${mails} mails, ${kills} × kill -9, Bot Connector latency ${latency} ms`);
  const burst = await mailCrashRun({
    mails,
    kills,
    connectorLatencyMs: latency,
    log: (l) => console.log(`  ${l}`),
  });
  console.log(JSON.stringify(burst, null, 2));
  console.log(
    `\nmails lost: ${burst.mails - burst.posted}   not finished: ${burst.notFinished}` +
      `\ncards posted twice: ${burst.duplicates} (${((100 * burst.duplicates) / burst.mails).toFixed(1)} % of mails; goal ≤ 1 %)`,
  );
  if (burst.posted !== burst.mails || burst.notFinished) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
