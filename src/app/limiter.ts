/**
 * At most `size` tasks at once; the others wait their turn, first come first served. For work that a burst
 * would otherwise start all at once (500 mails of a mass account creation): a few at a time finish sooner than
 * all of them contending for the same store documents and connections.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {
    if (!(size >= 1)) throw new Error('a limiter needs room for at least one task');
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.size) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line, so `active` never drops while someone waits.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  /** Tasks waiting for a slot (for logs and benches). */
  get queued(): number {
    return this.waiting.length;
  }
}
