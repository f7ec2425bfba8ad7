import { fuzzRun } from '../support/fuzzRun';

/**
 * The fuzz suite, reduced (npm run fuzz is the full one: 5,000 activities, 2,000 notification batches, 1,000
 * API calls, 1,000 encoded bodies, 200 SMTP sessions, with resident memory measured after GC): mutated Teams
 * activities from the recorded payloads, Graph notifications, API calls, bodies with every Content-Encoding
 * (corrupt, bombs, lying lengths, bad Host headers) and hostile SMTP sessions against the real app. No 5xx
 * but botbuilder's 501, no internals in any answer, no error in the log, no SMTP mail trusted without the
 * relay's stamp, /healthz answering throughout. FUZZ_SEED replays a run.
 */
describe('fuzz, reduced', () => {
  it('answers 620 hostile requests and 20 SMTP sessions without a 5xx, an internal message or an error logged, and stays healthy', async () => {
    const report = await fuzzRun({
      activities: 300,
      notifications: 100,
      apiCalls: 100,
      encodings: 120,
      smtpSessions: 20,
      warmUp: false,
      seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
    });
    const sent = Object.values(report.statuses).reduce((a, b) => a + b, 0);
    expect(sent).toBeGreaterThanOrEqual(620);
    expect({
      seed: report.seed,
      serverErrors: report.serverErrors,
      leaks: report.leaks,
      internalErrors: report.internalErrors.samples,
      liveMarkdown: report.liveMarkdown,
      smtpFindings: report.smtp.findings,
      smtpTrustedWithoutRelay: report.smtp.trustedWithoutRelay,
    }).toEqual({
      seed: report.seed,
      serverErrors: [],
      leaks: [],
      internalErrors: [],
      liveMarkdown: [],
      smtpFindings: [],
      smtpTrustedWithoutRelay: 0,
    });
    expect(Object.values(report.smtp.replies).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(20);
    expect(report.plainMessagesChecked).toBeGreaterThan(15);
    expect(report.health.failures).toBe(0);
    expect(report.health.probes).toBeGreaterThan(0);
  }, 120_000);
});
