import { mailCrashRun } from '../support/mailCrashRun';

/**
 * The crash suite during a mail burst, small (npm run crash runs a larger one): the compiled process is
 * killed with SIGKILL twice while 40 mails are relayed, restarted on the same data each time. Mails left in
 * `processing` by a kill are finished by the sweeper after their lease.
 */
describe('kill -9 during a mail burst, restart on the same data', () => {
  it('loses no mail, finishes every one that was left processing, and posts at most the one card in flight at each kill twice', async () => {
    const report = await mailCrashRun({ mails: 40, kills: 2, connectorLatencyMs: 10 });
    expect(report).toMatchObject({ mails: 40, posted: 40, notFinished: 0 });
    // Cards go to the on-call channel one at a time, each recorded before the next: a kill can cut off at
    // most the one in flight, which is sent again (a code that never reached on-call would be worse than a
    // second card). So at most one card twice per kill, never more.
    expect(report.duplicates).toBeLessThanOrEqual(report.kills);
  }, 180_000);
});
