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
  private running = new Set<string>();

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

  stop(): void {
    this.timers.forEach(clearInterval);
    this.timers = [];
  }

  async runAll(): Promise<void> {
    for (const job of this.jobs) await this.runOne(job);
  }

  private async runOne(job: BackgroundJob): Promise<void> {
    if (this.running.has(job.name)) return; // a slow run is not overlapped by the next tick
    this.running.add(job.name);
    try {
      await job.run();
    } catch (err) {
      this.logger.error({ err, job: job.name }, 'background job failed; it will run again on its next tick');
    } finally {
      this.running.delete(job.name);
    }
  }
}
