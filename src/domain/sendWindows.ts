/**
 * Sliding-window send limits, as Teams publishes them, and the one rule pacing needs: the earliest moment the
 * next send fits every window. Pure: times are milliseconds since the epoch, passed in.
 */

/** At most `max` sends in any `ms` milliseconds. */
export interface SendWindow {
  ms: number;
  max: number;
}

/** Teams, per bot and per conversation: 7 a second, 8 in two seconds, 60 in thirty, 1,800 an hour. */
export const TEAMS_CONVERSATION_WINDOWS: readonly SendWindow[] = [
  { ms: 1_000, max: 7 },
  { ms: 2_000, max: 8 },
  { ms: 30_000, max: 60 },
  { ms: 3_600_000, max: 1_800 },
];

/** Teams, per app and tenant, every call: 50 a second. */
export const TEAMS_TENANT_WINDOW: SendWindow = { ms: 1_000, max: 50 };

/** Windows up to this long are checked against each send's time; longer ones against per-minute counts. */
const EXACT_SPAN_MS = 60_000;
const MINUTE_MS = 60_000;

/** What is remembered of the sends into one conversation (or one tenant): small whatever the traffic. */
export interface SendHistory {
  /** Send times within the longest exact window (plus the margin), ascending; may include reserved ones ahead. */
  recent: number[];
  /** [start of a minute, sends in it] over the longest window, ascending: the hour's count without an hour of times. */
  minutes: [number, number][];
  /** Nothing is sent before this: a Retry-After Teams gave. */
  blockedUntil?: number;
}

export const emptyHistory = (): SendHistory => ({ recent: [], minutes: [] });

/**
 * The earliest time at or after `now` when one more send keeps every window, each widened by `marginMs`
 * (the spread between the moment a send is planned and the moment Teams counts it, and clock differences
 * between instances). Sends go out in the order they were planned: never before the last one planned.
 */
export function nextSendAt(
  history: SendHistory,
  now: number,
  windows: readonly SendWindow[],
  marginMs = 0,
): number {
  let at = Math.max(now, history.blockedUntil ?? 0, history.recent.at(-1) ?? 0);
  // Each pass can only move `at` later; it settles once no window is full at `at` (a handful of passes).
  for (let pass = 0; pass < 100; pass++) {
    const before = at;
    for (const window of windows) at = Math.max(at, earliestIn(history, window, at, marginMs));
    if (at === before) return at;
  }
  return at;
}

/** The earliest time ≥ `at` at which `window` has room for one more send. */
function earliestIn(history: SendHistory, window: SendWindow, at: number, marginMs: number): number {
  const span = window.ms + marginMs;
  if (window.ms <= EXACT_SPAN_MS) {
    const inWindow = history.recent.filter((t) => t > at - span);
    if (inWindow.length < window.max) return at;
    // Room comes when enough of the oldest have left the window.
    return inWindow[inWindow.length - window.max] + span;
  }
  // A minute counts whole as long as any part of it is in the window: never more than allowed.
  const counted = history.minutes.filter(([start]) => start + MINUTE_MS > at - span);
  let total = counted.reduce((sum, [, n]) => sum + n, 0);
  if (total < window.max) return at;
  for (const [start, n] of counted) {
    total -= n;
    if (total < window.max) return start + MINUTE_MS + span;
  }
  return at;
}

/**
 * The history with one more send at `at`, and without what no window looks at any more (as of `now`).
 */
export function withSend(
  history: SendHistory,
  at: number,
  now: number,
  windows: readonly SendWindow[],
  marginMs = 0,
): SendHistory {
  const exactSpan = Math.max(0, ...windows.filter((w) => w.ms <= EXACT_SPAN_MS).map((w) => w.ms)) + marginMs;
  const longSpan = Math.max(0, ...windows.filter((w) => w.ms > EXACT_SPAN_MS).map((w) => w.ms)) + marginMs;
  const recent = [...history.recent, at].filter((t) => t > now - exactSpan).sort((a, b) => a - b);
  const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
  const minutes = history.minutes
    .filter(([start]) => start + MINUTE_MS > now - longSpan)
    .map(([start, n]): [number, number] => [start, n]);
  const same = minutes.find(([start]) => start === minute);
  if (same) same[1]++;
  else if (longSpan > marginMs) minutes.push([minute, 1]);
  minutes.sort((a, b) => a[0] - b[0]);
  return {
    recent,
    minutes,
    ...(history.blockedUntil !== undefined && history.blockedUntil > now
      ? { blockedUntil: history.blockedUntil }
      : {}),
  };
}

/** The history with nothing sent before `until` (a Retry-After); a later block already set stays. */
export function blockedUntil(history: SendHistory, until: number): SendHistory {
  return { ...history, blockedUntil: Math.max(until, history.blockedUntil ?? 0) };
}

/** Whether any window is broken by these send times (each window as published, no margin): for checks and tests. */
export function brokenWindow(
  times: readonly number[],
  windows: readonly SendWindow[],
): SendWindow | undefined {
  const sorted = [...times].sort((a, b) => a - b);
  for (const window of windows) {
    let first = 0;
    for (let last = 0; last < sorted.length; last++) {
      while (sorted[last] - sorted[first] >= window.ms) first++;
      if (last - first + 1 > window.max) return window;
    }
  }
  return undefined;
}

/** How long `count` sends take, starting from nothing sent, when each goes as soon as every window allows. */
export function timeToSend(count: number, windows: readonly SendWindow[], marginMs = 0): number {
  let history = emptyHistory();
  let last = 0;
  for (let i = 0; i < count; i++) {
    last = nextSendAt(history, last, windows, marginMs);
    history = withSend(history, last, last, windows, marginMs);
  }
  return last;
}
