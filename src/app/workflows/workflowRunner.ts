import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  claimOf,
  claimStep,
  completeStep,
  earliest,
  failStep,
  failuresOf,
  nextFreeStep,
  renewClaim,
  retryDelayMs,
  StepBook,
  stepsDueAt,
} from '../../domain/workflowSteps';
import type { Logger } from '../../log/logger';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, Stored } from '../../ports/documentStore';
import type { BackgroundWork } from '../background';
import type { PeriodicJob } from '../jobs';
import { DEFAULT_WORK_LEASE_MS, RenewedClaim } from '../leases';
import { Limiter } from '../limiter';
import { DueIndex } from './dueIndex';
import { NotYetError, StepOutcome, Workflow } from './workflow';

export interface WorkflowRunnerDeps {
  store: DocumentStore;
  clock: Clock;
  logger: Logger;
  background: BackgroundWork;
  /** WORK_LEASE_SECONDS (ms): a claim not renewed for this long is taken over by any instance. */
  leaseMs?: number;
  /** WORK_POLL_SECONDS (ms): how often each instance looks for due work at most. */
  pollMs?: number;
  /** Leave all work to a later start, as a crash right after each stored change would (tests). */
  deferWork?: boolean;
}

/** What the runner handles for one registered workflow (the handle its service starts work with). */
export interface WorkflowHandle<Hint> {
  /** Runs the instance's due work now, as tracked background work (after a stored change). */
  start(instanceId: string, hint?: Hint): void;
  /** Runs it and resolves once nothing is left to do here and now. */
  run(instanceId: string, hint?: Hint): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyWorkflow = Workflow<StepBook<string>, string, any>;

const DEFAULT_POLL_MS = 10_000;
const DEFAULT_RETRY = { firstMs: 30_000, maxMs: 15 * 60_000 };
/** A waiting instance looks at what it waits for this often even if no change woke it. */
const WAIT_RECHECK_MS = 5 * 60_000;
/** Instances run at once by one poll; due entries read per page. */
const POLL_CONCURRENCY = 8;
const POLL_PAGE = 50;
/** A run stops after this many steps, timers and waits, however many more appear (a loop is a bug). */
const MAX_MOVES_PER_RUN = 50;

/**
 * The one home of durable work (requests, adoptions, …). For a registered workflow it claims the next free
 * step with an etag write and a short lease naming this process, renews the lease while the step runs,
 * completes the step with the change it answered, and on failure keeps it for a retry with backoff. It
 * fires the workflow's timer when due and re-evaluates its wait when the awaited instance changed. Due
 * work is found through the work-due index (dueIndex.ts): at start (only lapsed claims: a live instance
 * keeps renewing its own) and every WORK_POLL_SECONDS, on every instance.
 */
export class WorkflowRunner {
  /** This process in the claims it writes (host, pid and a random part: a restarted process is another). */
  readonly holder = `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
  private readonly workflows = new Map<string, AnyWorkflow>();
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly slots = new Limiter(POLL_CONCURRENCY);
  private readonly index: DueIndex;

  constructor(private readonly deps: WorkflowRunnerDeps) {
    this.leaseMs = deps.leaseMs ?? DEFAULT_WORK_LEASE_MS;
    this.pollMs = deps.pollMs ?? DEFAULT_POLL_MS;
    this.index = new DueIndex(deps.store, deps.clock);
  }

  register<Doc extends StepBook<Step>, Step extends string, Hint>(
    workflow: Workflow<Doc, Step, Hint>,
  ): WorkflowHandle<Hint> {
    if (this.workflows.has(workflow.name)) throw new Error(`workflow ${workflow.name} registered twice`);
    if (workflow.documents.workflow !== workflow.name)
      throw new Error(`workflow ${workflow.name} has the documents of ${workflow.documents.workflow}`);
    this.workflows.set(workflow.name, workflow as unknown as AnyWorkflow);
    return {
      start: (id, hint) => this.start(workflow.name, id, hint),
      run: (id, hint) => this.run(workflow.name, id, hint),
    };
  }

  start(name: string, instanceId: string, hint?: unknown): void {
    this.deps.background.run(`${name} ${instanceId}`, () => this.run(name, instanceId, hint));
  }

  /** Everything due now (at most a few pages each): the poll on every instance, and the resume at start. */
  async runDue({ withHandOffs = false } = {}): Promise<number> {
    if (this.deps.deferWork) return 0;
    let ran = 0;
    for (const name of this.workflows.keys()) {
      const seen = new Set<string>();
      for (let page = 0; page < 10; page++) {
        const due = await this.index.due(name, POLL_PAGE, withHandOffs);
        const fresh = due.filter((e) => !seen.has(e.instanceId));
        for (const entry of fresh) seen.add(entry.instanceId);
        await Promise.all(
          fresh.map((entry) =>
            this.slots.run(() =>
              this.run(name, entry.instanceId).catch((err) =>
                this.deps.logger.error({ err, workflow: name, id: entry.instanceId }, 'workflow run failed'),
              ),
            ),
          ),
        );
        if (!fresh.length || due.length < POLL_PAGE) break;
      }
      ran += seen.size;
    }
    return ran;
  }

  /** The poll, every WORK_POLL_SECONDS on every instance (tests run it with runJobs). */
  job(): PeriodicJob {
    return { name: 'workflows', intervalMs: this.pollMs, run: async () => void (await this.runDue()) };
  }

  /**
   * At start: documents stored before the work-due index are added to it (once per store), then whatever
   * is due is run, handed-off work included (its instance may be the one that died). A claim is due only once
   * it lapsed: a live instance renews its own, a dead one does not.
   */
  async resume(): Promise<void> {
    if (this.deps.deferWork) return;
    for (const workflow of this.workflows.values()) {
      const added = await workflow.documents.indexOlderDocuments();
      if (added)
        this.deps.logger.info(
          { workflow: workflow.name, added },
          'older documents added to the work-due index',
        );
    }
    await this.runDue({ withHandOffs: true });
  }

  /**
   * Runs the instance: its timer when due, its wait when what it waits for moved on, then each free step in
   * turn; then settles its entry in the work-due index and wakes whoever waits for it.
   */
  async run(name: string, instanceId: string, hint?: unknown): Promise<void> {
    if (this.deps.deferWork) return;
    const workflow = this.workflow(name);
    const { documents } = workflow;
    let registeredAsWaiter = false;
    for (let move = 0; move < MAX_MOVES_PER_RUN; move++) {
      const current = await documents.get(instanceId);
      if (!current) break;
      const now = this.deps.clock.now();
      if (await this.fireTimer(workflow, current, now)) continue;
      const awaited = workflow.waitsFor?.on(current);
      if (awaited) {
        if (await this.resumeWait(workflow, current, awaited, now)) continue;
        if (!registeredAsWaiter) {
          registeredAsWaiter = true;
          await this.index.addWaiter(workflow.waitsFor!.workflow, awaited, `${name}:${instanceId}`);
          continue; // look once more: it may have moved on before the registration was stored
        }
      }
      const step = nextFreeStep(current, now);
      if (!step) break;
      const until = new Date(now.getTime() + this.leaseMs);
      const claimed = await documents.tryReplace(current, claimStep(current, step, this.holder, until), {
        announce: false,
      });
      if (!claimed) continue; // someone else moved first: look again
      await this.perform(workflow, step, claimed, hint);
    }
    await this.settle(workflow, instanceId);
  }

  /** One claimed step: performed with its lease renewed, then completed, or kept for a retry. */
  private async perform(
    workflow: AnyWorkflow,
    step: string,
    claimed: Stored<StepBook<string>>,
    hint: unknown,
  ) {
    const { documents, name } = workflow;
    const id = claimed.id;
    const renewal = new RenewedClaim(
      async () => {
        let ours = false;
        await documents.update(
          id,
          (latest) => {
            const renewed = renewClaim(latest, step, this.holder, this.untilFromNow());
            ours = !!renewed;
            return renewed;
          },
          { announce: false },
        );
        return ours;
      },
      this.leaseMs,
      (err) => this.deps.logger.warn({ err, workflow: name, id, step }, 'could not renew a step claim'),
    );
    const attempt = failuresOf(claimed, step) + 1;
    let outcome: StepOutcome<StepBook<string>>;
    try {
      outcome = await workflow.perform(step, claimed, { attempt, hint });
    } catch (err) {
      await renewal.stop();
      const retry = workflow.retry ?? DEFAULT_RETRY;
      const waitMs = retryDelayMs(attempt, retry.firstMs, retry.maxMs);
      const fields = { workflow: name, id, step, attempt, retryInMs: waitMs };
      if (err instanceof NotYetError) this.deps.logger.info(fields, err.message);
      else this.deps.logger.warn({ ...fields, err }, `${name} step failed; it is tried again later`);
      const retryAt = new Date(this.deps.clock.now().getTime() + waitMs);
      await documents.update(
        id,
        (latest) => (claimOf(latest, step)?.by === this.holder ? failStep(latest, step, retryAt) : undefined),
        { announce: false },
      );
      return;
    }
    await renewal.stop();
    if (renewal.lost)
      this.deps.logger.warn(
        { workflow: name, id, step },
        'a step outlived its claim; another instance took it over',
      );
    await documents.update(id, (latest) => completeStep(outcome(latest), step), { announce: false });
  }

  /** A due timer's change, stored by etag (one instance wins). Answers whether it changed the document. */
  private async fireTimer(
    workflow: AnyWorkflow,
    current: Stored<StepBook<string>>,
    now: Date,
  ): Promise<boolean> {
    const timer = workflow.timer;
    const at = workflow.documents.timerAt(current);
    if (!timer || !at || at > now) return false;
    const fired = timer.fire(current, now);
    if (!fired) return false;
    const stored = await workflow.documents.tryReplace(current, fired, { announce: false });
    if (stored && timer.fired)
      await this.hook(workflow, current.id, 'timer', () => timer.fired!(current, stored));
    return true; // stored, or someone else changed it first: look again either way
  }

  private async resumeWait(
    workflow: AnyWorkflow,
    current: Stored<StepBook<string>>,
    awaitedId: string,
    now: Date,
  ): Promise<boolean> {
    const wait = workflow.waitsFor!;
    const other = await this.workflow(wait.workflow).documents.get(awaitedId);
    const resumed = wait.resume(current, other as never, now);
    if (!resumed) return false;
    const stored = await workflow.documents.tryReplace(current, resumed, { announce: false });
    if (!stored) return true; // changed meanwhile: look again
    await this.index.removeWaiter(wait.workflow, awaitedId, `${workflow.name}:${current.id}`);
    if (wait.resumed) await this.hook(workflow, current.id, 'wait', () => wait.resumed!(current, stored));
    return true;
  }

  /**
   * Writes the instance's next due time into the index (read before the document, written with the
   * entry's etag), then wakes the instances waiting for it.
   */
  private async settle(workflow: AnyWorkflow, instanceId: string): Promise<void> {
    const { documents } = workflow;
    const entry = await this.index.entry(workflow.name, instanceId);
    const doc = await documents.get(instanceId);
    const now = this.deps.clock.now();
    let dueAt: Date | undefined;
    if (doc) {
      const timerAt = documents.timerAt(doc);
      // A timer that is due but changes nothing (a rule's mistake) must not bring the instance back at once.
      const timerLive = timerAt && (timerAt > now || workflow.timer?.fire(doc, now)) ? timerAt : undefined;
      const waiting = workflow.waitsFor?.on(doc) ? new Date(now.getTime() + WAIT_RECHECK_MS) : undefined;
      dueAt = earliest(stepsDueAt(doc, now), timerLive, waiting);
    }
    await this.index.settle(workflow.name, instanceId, entry, dueAt);
    if (this.isAwaited(workflow.name))
      for (const waiter of await this.index.waitersOf(workflow.name, instanceId)) {
        const [name, ...rest] = waiter.split(':');
        if (this.workflows.has(name)) this.start(name, rest.join(':'));
      }
  }

  private isAwaited(name: string): boolean {
    return [...this.workflows.values()].some((w) => w.waitsFor?.workflow === name);
  }

  private async hook(workflow: AnyWorkflow, id: string, what: string, run: () => Promise<void>) {
    await run().catch((err) =>
      this.deps.logger.error({ err, workflow: workflow.name, id }, `what follows a ${what} failed`),
    );
  }

  private untilFromNow(): Date {
    return new Date(this.deps.clock.now().getTime() + this.leaseMs);
  }

  private workflow(name: string): AnyWorkflow {
    const workflow = this.workflows.get(name);
    if (!workflow) throw new Error(`no workflow ${name} is registered`);
    return workflow;
  }
}
