import { crashRun } from '../support/crashRun';

/**
 * The crash suite, small (npm run crash is the full one: 100 approvals, 3 kills): the compiled process is
 * killed with SIGKILL twice while 20 approvals are worked on, and restarted on the same data each time.
 */
describe('kill -9 during approvals, restart on the same data', () => {
  it('loses nothing, gives no address or decision twice, and sends no message twice', async () => {
    const report = await crashRun({ requests: 20, kills: 2, connectorLatencyMs: 10 });
    expect(report).toMatchObject({
      requests: 20,
      fulfilled: 20,
      distinctAddresses: 20,
      assignedAliases: 20,
      doubleDecisions: 0,
      doubleAllocations: 0,
      auditGaps: 0,
      addressNotShown: 0,
    });
    // Goal ≤ 1 % of requests; at 20 requests that is none.
    expect(report.duplicates.total).toBe(0);
  }, 180_000);
});
