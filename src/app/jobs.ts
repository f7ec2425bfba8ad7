import type { Logger } from '../log/logger';

/** Periodic work (reminders, expiry, purges, subscription renewal). Each run must be safe to repeat. */
export interface BackgroundJob {
  name: string;
  intervalMs: number;
  run(): Promise<void>;
}

/** Runs jobs on timers in production; tests call runAll() after moving their clock. */
export class JobRunner {
  private timers: NodeJS.Timeout[] = [];
  private running = new Map<string, Promise<void>>();

  constructor(
    private readonly jobs: BackgroundJob[],
    private readonly logger: Logger,
  ) {}

  start(): void {
    for (const job of this.jobs) {
      const timer = setInterval(() => void this.runOne(job), job.intervalMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /** Stops the timers and waits for runs already started, so shutdown never cuts a job in half. */
  async stop(): Promise<void> {
    this.timers.forEach(clearInterval);
    this.timers = [];
    await Promise.all(this.running.values());
  }

  async runAll(): Promise<void> {
    for (const job of this.jobs) await this.runOne(job);
  }

  private async runOne(job: BackgroundJob): Promise<void> {
    if (this.running.has(job.name)) return; // a slow run is not overlapped by the next tick
    const run = Promise.resolve()
      .then(() => job.run())
      .catch((err) => {
        this.logger.error(
          { err, job: job.name },
          'background job failed; it will run again on its next tick',
        );
      })
      .finally(() => this.running.delete(job.name));
    this.running.set(job.name, run);
    await run;
  }
}
