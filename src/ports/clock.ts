/** Time comes from here, so tests can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests set and advance by hand. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date | string = '2026-01-01T09:00:00Z') {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current += ms;
  }
  advanceHours(hours: number): void {
    this.advance(hours * 3_600_000);
  }
  advanceMinutes(minutes: number): void {
    this.advance(minutes * 60_000);
  }
  set(at: Date | string): void {
    this.current = new Date(at).getTime();
  }
}
