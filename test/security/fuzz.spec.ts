import { fuzzRun } from '../support/fuzzRun';

/**
 * The fuzz suite, reduced (npm run fuzz is the full one: 5,000 activities, 2,000 notification batches, 1,000
 * API calls, with resident memory measured after GC): mutated Teams activities from the recorded payloads,
 * Graph notifications and API calls against the real app over HTTP. No 5xx but botbuilder's 501, no internals
 * in any answer, /healthz answering throughout. FUZZ_SEED replays a run.
 */
describe('fuzz, reduced', () => {
  it('answers 500 hostile requests without a 5xx or an internal message, and stays healthy', async () => {
    const report = await fuzzRun({
      activities: 300,
      notifications: 100,
      apiCalls: 100,
      warmUp: false,
      seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
    });
    const sent = Object.values(report.statuses).reduce((a, b) => a + b, 0);
    expect(sent).toBeGreaterThanOrEqual(500);
    expect({
      seed: report.seed,
      serverErrors: report.serverErrors,
      leaks: report.leaks,
      liveMarkdown: report.liveMarkdown,
    }).toEqual({
      seed: report.seed,
      serverErrors: [],
      leaks: [],
      liveMarkdown: [],
    });
    expect(report.plainMessagesChecked).toBeGreaterThan(15);
    expect(report.health.failures).toBe(0);
    expect(report.health.probes).toBeGreaterThan(0);
  }, 120_000);
});
