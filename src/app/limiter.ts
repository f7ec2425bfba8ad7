/**
 * While a task waits for something that is not the work its slot bounds (e.g. its turn in another queue),
 * `aside(wait)` gives the slot to the next task for that time and takes one back afterwards.
 */
export type Aside = <T>(wait: () => Promise<T>) => Promise<T>;

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

  async run<T>(task: (aside: Aside) => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task(async (wait) => {
        this.release();
        try {
          return await wait();
        } finally {
          await this.acquire();
        }
      });
    } finally {
      this.release();
    }
  }

  /** Tasks waiting for a slot (for logs and benches). */
  get queued(): number {
    return this.waiting.length;
  }

  private async acquire(): Promise<void> {
    if (this.active < this.size) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** The slot passes straight to the next in line, so `active` never drops while someone waits. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
