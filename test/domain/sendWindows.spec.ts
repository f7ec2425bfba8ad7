import fc from 'fast-check';
import {
  blockedUntil,
  brokenWindow,
  emptyHistory,
  nextSendAt,
  SendHistory,
  TEAMS_CONVERSATION_WINDOWS,
  withSend,
} from '../../src/domain/sendWindows';

/** Plans `count` sends asked for at the given times (one after another, as one lane asks). */
function plan(asks: number[], margin = 0, start: SendHistory = emptyHistory()): number[] {
  let history = start;
  const planned: number[] = [];
  for (const now of asks) {
    const at = nextSendAt(history, now, TEAMS_CONVERSATION_WINDOWS, margin);
    history = withSend(history, at, now, TEAMS_CONVERSATION_WINDOWS, margin);
    planned.push(at);
  }
  return planned;
}

describe("Teams' send windows", () => {
  it('lets the first seven go at once, then keeps to 8 in 2 s and 60 in 30 s', () => {
    const times = plan(Array.from({ length: 90 }, () => 0));
    expect(times.slice(0, 7)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(times[7]).toBe(1000); // the eighth waits for the first second to pass
    expect(times[8]).toBe(2000); // the ninth for the first two seconds
    expect(brokenWindow(times, TEAMS_CONVERSATION_WINDOWS)).toBeUndefined();
    // The 61st waits until the first has left the 30-s window; 90 need about 37.5 s.
    expect(times[60]).toBe(30_000);
    expect(times[89]).toBeLessThanOrEqual(38_000);
  });

  it('never plans a send that breaks a window, whenever and however often sends are asked for', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 150 }),
        fc.integer({ min: 0, max: 300 }),
        (gaps, margin) => {
          let now = 1_700_000_000_000;
          const asks = gaps.map((gap) => (now += gap));
          const times = plan(asks, margin);
          expect(brokenWindow(times, TEAMS_CONVERSATION_WINDOWS)).toBeUndefined();
          // In order, never before it was asked for.
          times.forEach((t, i) => {
            expect(t).toBeGreaterThanOrEqual(asks[i]);
            if (i > 0) expect(t).toBeGreaterThanOrEqual(times[i - 1]);
          });
        },
      ),
    );
  });

  it('keeps the margin between sends a window apart, so a late send still fits', () => {
    const times = plan(
      Array.from({ length: 9 }, () => 0),
      200,
    );
    expect(times[7]).toBe(1200);
    expect(times[8]).toBe(2200);
  });

  it('counts the hour in minutes: the 1,801st send of an hour waits for the hour to pass', () => {
    const start = 1_700_000_000_000 - (1_700_000_000_000 % 60_000);
    // 1,800 sends already made in the last hour, 30 a minute.
    let history = emptyHistory();
    for (let m = 0; m < 60; m++)
      for (let i = 0; i < 30; i++)
        history = withSend(
          history,
          start + m * 60_000 + i * 2_000,
          start + m * 60_000 + i * 2_000,
          TEAMS_CONVERSATION_WINDOWS,
        );
    const now = start + 60 * 60_000;
    const at = nextSendAt(history, now, TEAMS_CONVERSATION_WINDOWS);
    expect(at).toBeGreaterThan(now);
    expect(at).toBe(start + 60_000 + 3_600_000); // the first minute has left the hour
    expect(history.minutes.length).toBeLessThanOrEqual(61);
    expect(history.recent.length).toBeLessThanOrEqual(60);
  });

  it('sends nothing before a Retry-After has passed, and forgets the block once it has', () => {
    const history = blockedUntil(emptyHistory(), 5_000);
    expect(nextSendAt(history, 1_000, TEAMS_CONVERSATION_WINDOWS)).toBe(5_000);
    expect(blockedUntil(history, 3_000).blockedUntil).toBe(5_000); // a shorter one does not shorten it
    expect(withSend(history, 5_000, 6_000, TEAMS_CONVERSATION_WINDOWS).blockedUntil).toBeUndefined();
  });

  it('spots a broken window', () => {
    expect(brokenWindow([0, 100, 200, 300, 400, 500, 600, 700], TEAMS_CONVERSATION_WINDOWS)).toEqual({
      ms: 1_000,
      max: 7,
    });
    expect(
      brokenWindow([0, 100, 200, 300, 400, 500, 600, 1_000], TEAMS_CONVERSATION_WINDOWS),
    ).toBeUndefined();
  });
});
