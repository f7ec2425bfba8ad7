/** The pool's levels over time, as kept once a day, and how long the free aliases last at the current rate. */

export interface PoolLevels {
  free: number;
  assigned: number;
  quarantined: number;
  capacity: number;
}

/** One day's levels, in total and per shared mailbox (counted once that day, in UTC). */
export interface PoolLevelsDay extends PoolLevels {
  /** YYYY-MM-DD (UTC). */
  date: string;
  at: string;
  mailboxes: ({ mailbox: string } & PoolLevels)[];
}

export interface PoolForecast {
  /** Free aliases handed out per day, on average over the days the rate is taken from. */
  perDay: number;
  /** Days the rate is taken from (up to RATE_WINDOW_DAYS, fewer while history is short). */
  basisDays: number;
  /** Whole days until no alias is free at that rate; undefined when nothing is being used up. */
  daysUntilEmpty?: number;
}

export const RATE_WINDOW_DAYS = 28;

export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * The current rate is what left the free pool over the last four weeks: each day's drop in free aliases,
 * counting only drops, so an import or aliases returning from quarantine (rises) neither hide nor offset
 * the use. Days missing from the history (an instance was down) are spread over by the date difference.
 */
export function forecastPool(
  history: readonly Pick<PoolLevelsDay, 'date' | 'free'>[],
  freeNow: number,
): PoolForecast {
  const days = [...history].sort((a, b) => (a.date < b.date ? -1 : 1)).slice(-(RATE_WINDOW_DAYS + 1));
  if (days.length < 2) return { perDay: 0, basisDays: 0 };
  let used = 0;
  for (let i = 1; i < days.length; i++) used += Math.max(0, days[i - 1].free - days[i].free);
  const basisDays = Math.round(
    (Date.parse(days[days.length - 1].date) - Date.parse(days[0].date)) / 86_400_000,
  );
  if (basisDays <= 0) return { perDay: 0, basisDays: 0 };
  const perDay = used / basisDays;
  return {
    perDay: Math.round(perDay * 10) / 10,
    basisDays,
    daysUntilEmpty: perDay > 0 ? Math.floor(freeNow / perDay) : undefined,
  };
}
