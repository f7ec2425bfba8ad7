import type { Logger } from '../log/logger';

/**
 * Every piece of detached work (request steps after a click, mail relays after a webhook, lifecycle
 * handling, job runs) is started here, so shutdown can wait for it and tests can await it instead of
 * sleeping. Work must be safe to repeat: after a crash it is picked up again from the store.
 */
export class BackgroundWork {
  private readonly running = new Map<Promise<void>, string>();

  constructor(private readonly logger: Logger) {}

  /** Starts `work` now, detached; a failure is logged with `name`, never thrown. */
  run(name: string, work: () => Promise<unknown>): void {
    const task: Promise<void> = Promise.resolve()
      .then(work)
      .then(
        () => undefined,
        (err) => this.logger.error({ err, work: name }, 'background work failed; it is retried later'),
      )
      .finally(() => this.running.delete(task));
    this.running.set(task, name);
  }

  /** Resolves once nothing runs, including work started while waiting. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.keys()]);
  }

  /** Waits at most `ms` for running work; answers the names of what was still running then. */
  async drain(ms: number): Promise<string[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    });
    const outcome = await Promise.race([this.idle().then(() => 'idle' as const), timeout]);
    clearTimeout(timer);
    return outcome === 'idle' ? [] : [...this.running.values()];
  }

  get size(): number {
    return this.running.size;
  }
}
