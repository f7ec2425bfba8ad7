import type { Logger } from '../log/logger';
import type { BackgroundWork } from './background';

/** Periodic work (reminders, expiry, purges, subscription renewal). Each run must be safe to repeat. */
export interface PeriodicJob {
  name: string;
  intervalMs: number;
  run(): Promise<void>;
}

/** Runs jobs on timers in production (as tracked background work); tests call runAll() after moving their clock. */
export class JobRunner {
  private timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<string>();

  constructor(
    private readonly jobs: readonly PeriodicJob[],
    private readonly background: BackgroundWork,
    private readonly logger: Logger,
  ) {}

  start(): void {
    for (const job of this.jobs) {
      const timer = setInterval(() => this.background.run(job.name, () => this.runOne(job)), job.intervalMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  stop(): void {
    this.timers.forEach(clearInterval);
    this.timers = [];
  }

  /** Every job once, in order (tests, after moving the clock); a failing job is logged and the rest go on. */
  async runAll(): Promise<void> {
    for (const job of this.jobs) {
      await this.runOne(job).catch((err) =>
        this.logger.error({ err, job: job.name }, 'background job failed; it runs again on its next tick'),
      );
    }
  }

  private async runOne(job: PeriodicJob): Promise<void> {
    if (this.running.has(job.name)) return; // a slow run is not overlapped by the next tick
    this.running.add(job.name);
    try {
      await job.run();
    } finally {
      this.running.delete(job.name);
    }
  }
}
