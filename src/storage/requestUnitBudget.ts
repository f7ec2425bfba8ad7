/**
 * How many request units per second background work (jobs, imports, reconciliation) may spend, so that it
 * cannot starve the requests people wait for. A token bucket refilled at `rate` RU/s, holding at most one
 * second's worth: a request waits until the bucket is not in debt, takes what requests cost lately, and the
 * difference is settled once its actual charge is known. Cosmos DB throttling a background request halves
 * the rate (down to a sixteenth of the ceiling); every quiet second gives a tenth of the ceiling back.
 */
export class RequestUnitBudget {
  private rate: number;
  private tokens: number;
  private last: number;
  /** What a request cost lately (RU): taken up front, settled afterwards. */
  private typical = 5;
  private lane: Promise<void> = Promise.resolve();

  constructor(
    private readonly ceiling: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.rate = ceiling;
    this.tokens = ceiling;
    this.last = now();
  }

  /** Waits until a request may go; answers what was taken for it (hand it back to `spent`). */
  take(): Promise<number> {
    const turn = this.lane.then(async () => {
      this.refill();
      if (this.tokens < 0) await this.sleep(Math.ceil((-this.tokens / this.rate) * 1000));
      this.refill();
      const taken = this.typical;
      this.tokens -= taken;
      return taken;
    });
    this.lane = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /** The request's actual charge is known: settle the difference with what was taken. */
  spent(taken: number, charge: number): void {
    if (!(charge >= 0)) return;
    this.tokens += taken - charge;
    this.typical = this.typical * 0.8 + charge * 0.2;
  }

  /** Cosmos DB throttled a background request: slow down. */
  throttled(): void {
    this.rate = Math.max(this.ceiling / 16, this.rate / 2);
    this.tokens = Math.min(this.tokens, 0);
  }

  /** RU/s background work may use now (for logs and tests). */
  get currentRate(): number {
    return this.rate;
  }

  private refill(): void {
    const now = this.now();
    const seconds = Math.max(0, (now - this.last) / 1000);
    this.last = now;
    this.rate = Math.min(this.ceiling, this.rate + this.ceiling * 0.1 * seconds);
    this.tokens = Math.min(this.rate, this.tokens + this.rate * seconds);
  }
}
