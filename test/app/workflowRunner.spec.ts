import { BackgroundWork } from '../../src/app/background';
import { HAND_OFF_MS } from '../../src/app/workflows/dueIndex';
import { WorkflowDocuments } from '../../src/app/workflows/workflowDocuments';
import { NotYetError, StepOutcome, Workflow, workflowName } from '../../src/app/workflows/workflow';
import { WorkflowRunner } from '../../src/app/workflows/workflowRunner';
import { StepBook, withSteps } from '../../src/domain/workflowSteps';
import { createLogger } from '../../src/log/logger';
import { Clock, ManualClock, systemClock } from '../../src/ports/clock';
import type { DocumentStore } from '../../src/ports/documentStore';
import { bothStores } from '../support/bothStores';
import { pollUntil } from '../support/pollUntil';

/**
 * The workflow runner as a specification, with a small workflow of its own (a "parcel": packed, then
 * shipped, with a deadline) on both stores: each step is performed once however many instances run it, a
 * live claim is never taken over, a dead one is after its lease, failures are retried with backoff, timers
 * fire once, and due work is found through the work-due index.
 */
type ParcelStep = 'pack' | 'ship';
interface Parcel extends StepBook<ParcelStep> {
  id: string;
  state: 'open' | 'shipped' | 'late';
  deadline?: string;
  performed: string[];
}

const PARCELS = workflowName<Parcel>('parcel');
const logger = createLogger('silent');

/** Parcels in the `requests` container of a store of their own (the runner takes any container). */
class Parcels extends WorkflowDocuments<Parcel> {
  constructor(store: DocumentStore, clock: Clock) {
    super(store, clock, {
      container: 'requests',
      workflow: PARCELS,
      idPattern: /^p-\d+$/,
      timerAt: (p) => (p.state === 'open' && p.deadline ? new Date(p.deadline) : undefined),
      mayBeDue: [{ workPending: true }],
    });
  }
}

/** What the parcel's steps do: record themselves (on the document and here), optionally slowly or failing. */
class ParcelWorkflow implements Workflow<Parcel, ParcelStep> {
  readonly name = PARCELS;
  readonly performed: string[] = [];
  /** A step waits for this before it completes (a slow carrier), when set. */
  gate?: Promise<void>;
  failuresLeft = 0;
  notYet = false;
  readonly timer = {
    fire: (p: Parcel, now: Date) =>
      p.state === 'open' && p.deadline && now >= new Date(p.deadline)
        ? { ...p, state: 'late' as const }
        : undefined,
  };

  constructor(
    readonly documents: Parcels,
    private readonly who: string,
  ) {}

  async perform(step: ParcelStep, parcel: Parcel): Promise<StepOutcome<Parcel>> {
    if (this.notYet) throw new NotYetError('not yet');
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('the carrier is down');
    }
    await this.gate;
    this.performed.push(`${parcel.id}:${step}:${this.who}`);
    return (latest) => {
      const next = { ...latest, performed: [...latest.performed, step] };
      return step === 'pack' ? withSteps(next, 'ship') : { ...next, state: 'shipped' };
    };
  }
}

const parcel = (id: string, deadline?: Date): Parcel => ({
  id,
  state: 'open',
  deadline: deadline?.toISOString(),
  performed: [],
  steps: ['pack'],
  workPending: true,
  stepClaims: {},
});

const stores = bothStores('runner');

describe.each(stores)('the workflow runner (%s store)', (_kind, open) => {
  let store: DocumentStore;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ store, dispose } = await open());
    await store.init();
  });
  afterEach(async () => dispose());

  /** One app instance's worth: its own runner (its own holder name) with the parcel workflow. */
  const instance = (who: string, clock: Clock, leaseMs = 30_000) => {
    const background = new BackgroundWork(logger);
    const runner = new WorkflowRunner({ store, clock, logger, background, leaseMs });
    const parcels = new Parcels(store, clock);
    const workflow = new ParcelWorkflow(parcels, who);
    const handle = runner.register(workflow);
    return { runner, parcels, workflow, handle, background };
  };

  it('two instances running the same parcels at once perform every step exactly once', async () => {
    const clock = new ManualClock();
    const a = instance('a', clock);
    const b = instance('b', clock);
    for (let i = 0; i < 12; i++) await a.parcels.create(`p-${i}`, parcel(`p-${i}`));
    await Promise.all([a.runner.runDue(), b.runner.runDue(), a.runner.runDue(), b.runner.runDue()]);
    const all = [...a.workflow.performed, ...b.workflow.performed].map((p) => p.replace(/:[ab]$/, ''));
    expect(all.sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => [`p-${i}:pack`, `p-${i}:ship`])
        .flat()
        .sort(),
    );
    for (let i = 0; i < 12; i++)
      expect(await a.parcels.get(`p-${i}`)).toMatchObject({ state: 'shipped', workPending: false });
    // Nothing is left in the work-due index: the next poll reads it and finds nothing to do.
    expect(await a.runner.runDue()).toBe(0);
  });

  it('a slow step keeps its claim (renewed while it runs): another instance polling meanwhile leaves it alone', async () => {
    const a = instance('a', systemClock, 600);
    const b = instance('b', systemClock, 600);
    let carrierDone!: () => void;
    a.workflow.gate = new Promise<void>((resolve) => (carrierDone = resolve));
    await a.parcels.create('p-1', { ...parcel('p-1'), steps: ['ship'] });
    const slow = a.handle.run('p-1');
    // Each time b polls it sees a's claim; the step outlives its first lease and three renewals of it.
    const claimsSeen = new Set<string>();
    let firstUntil = Infinity;
    await pollUntil(
      async () => {
        await b.runner.runDue();
        const claim = (await a.parcels.get('p-1'))?.stepClaims?.ship;
        if (claim && typeof claim !== 'string') {
          claimsSeen.add(claim.until);
          firstUntil = Math.min(firstUntil, Date.parse(claim.until));
        }
        return claimsSeen.size >= 4 && Date.now() > firstUntil;
      },
      'three renewals of the claim, past its first lease',
      10_000,
    );
    carrierDone();
    await slow;
    expect(b.workflow.performed).toEqual([]);
    expect(a.workflow.performed).toEqual(['p-1:ship:a']);
  });

  it('a claim whose holder died is taken over once its lease lapsed, never before', async () => {
    const clock = new ManualClock();
    const b = instance('b', clock);
    // What a process killed mid-step leaves: the step claimed by it, for one lease.
    const until = new Date(clock.now().getTime() + 30_000).toISOString();
    await b.parcels.create('p-1', {
      ...parcel('p-1'),
      stepClaims: { pack: { until, by: 'dead-host/1/abc' } },
    });
    expect(await b.runner.runDue()).toBe(1); // due now (a new document), but its claim is live
    expect(b.workflow.performed).toEqual([]);
    clock.advance(29_000);
    await b.runner.runDue();
    expect(b.workflow.performed).toEqual([]);
    clock.advance(1_000);
    await b.runner.runDue();
    expect(b.workflow.performed).toEqual(['p-1:pack:b', 'p-1:ship:b']);
  });

  it('work an instance stored to start itself is left to it for a moment: others take it after the hand-off, a start at once', async () => {
    const clock = new ManualClock();
    const a = instance('a', clock);
    const b = instance('b', clock);
    await a.parcels.create('p-1', parcel('p-1'), { startedHere: true }); // and then instance a died
    expect(await b.runner.runDue()).toBe(0);
    clock.advance(HAND_OFF_MS);
    expect(await b.runner.runDue()).toBe(1);
    expect(b.workflow.performed).toEqual(['p-1:pack:b', 'p-1:ship:b']);

    await a.parcels.create('p-2', parcel('p-2'), { startedHere: true });
    const starting = instance('c', clock);
    await starting.runner.resume(); // the instance that announced it may be the one that just died
    expect(starting.workflow.performed).toEqual(['p-2:pack:c', 'p-2:ship:c']);
  });

  it('a failing step is retried with backoff (30 s, then 60 s …) while the other steps go on', async () => {
    const clock = new ManualClock();
    const a = instance('a', clock);
    a.workflow.failuresLeft = 2;
    await a.parcels.create('p-1', parcel('p-1'));
    await a.runner.runDue();
    expect(await a.parcels.get('p-1')).toMatchObject({ steps: ['pack'], stepFailures: { pack: 1 } });
    clock.advance(29_000);
    await a.runner.runDue();
    expect(a.workflow.failuresLeft).toBe(2 - 1);
    clock.advance(1_000);
    await a.runner.runDue(); // the second try fails too: the next waits 60 s
    expect(await a.parcels.get('p-1')).toMatchObject({ stepFailures: { pack: 2 } });
    clock.advance(59_000);
    await a.runner.runDue();
    expect(a.workflow.performed).toEqual([]);
    clock.advance(1_000);
    await a.runner.runDue();
    expect(a.workflow.performed).toEqual(['p-1:pack:a', 'p-1:ship:a']);
    expect((await a.parcels.get('p-1'))?.stepFailures).toEqual({});
  });

  it('a step that is not done yet (NotYetError) is tried again later, like a failure', async () => {
    const clock = new ManualClock();
    const a = instance('a', clock);
    a.workflow.notYet = true;
    await a.parcels.create('p-1', parcel('p-1'));
    await a.runner.runDue();
    a.workflow.notYet = false;
    await a.runner.runDue();
    expect(a.workflow.performed).toEqual([]);
    clock.advance(30_000);
    await a.runner.runDue();
    expect(a.workflow.performed).toEqual(['p-1:pack:a', 'p-1:ship:a']);
  });

  it("a timer fires when it is due, once across instances, found through the index's due time", async () => {
    const clock = new ManualClock();
    const a = instance('a', clock);
    const b = instance('b', clock);
    const deadline = new Date(clock.now().getTime() + 3_600_000);
    await a.parcels.create('p-1', { ...parcel('p-1', deadline), steps: [], workPending: false });
    await Promise.all([a.runner.runDue(), b.runner.runDue()]);
    expect((await a.parcels.get('p-1'))?.state).toBe('open');
    clock.advance(3_600_000);
    expect(await Promise.all([a.runner.runDue(), b.runner.runDue()])).toEqual([1, 1]);
    expect((await a.parcels.get('p-1'))?.state).toBe('late');
    expect(await a.runner.runDue()).toBe(0); // fired and settled: nothing due any more
  });

  it('documents stored before the work-due index are found once at start, then through the index', async () => {
    const clock = new ManualClock();
    await store.create('requests', 'p-7', parcel('p-7')); // written by a version without the index
    const a = instance('a', clock);
    await a.runner.resume();
    expect(a.workflow.performed).toEqual(['p-7:pack:a', 'p-7:ship:a']);
    await store.create('requests', 'p-8', parcel('p-8'));
    await instance('b', clock).runner.resume(); // the older documents were added once, by the first start
    expect(await a.parcels.get('p-8')).toMatchObject({ workPending: true });
  });

  it('work added while instances poll and run is never lost from the index', async () => {
    const a = instance('a', systemClock);
    const b = instance('b', systemClock);
    const ids = Array.from({ length: 15 }, (_, i) => `p-${i}`);
    for (const id of ids) await a.parcels.create(id, { ...parcel(id), steps: [], workPending: false });
    // Steps added from one side while both instances keep polling: each addition must be picked up.
    let stop = false;
    const poll = async (runner: WorkflowRunner) => {
      while (!stop) {
        await runner.runDue();
        await new Promise((resolve) => setImmediate(resolve)); // as the job's timer would, let others in
      }
    };
    const polling = Promise.all([poll(a.runner), poll(b.runner)]);
    for (const id of ids) await a.parcels.update(id, (p) => withSteps(p, 'pack'));
    await pollUntil(
      async () =>
        (await Promise.all(ids.map((id) => a.parcels.get(id)))).every((p) => p?.state === 'shipped'),
      'every parcel shipped',
      20_000,
    );
    stop = true;
    await polling;
    expect([...a.workflow.performed, ...b.workflow.performed]).toHaveLength(30);
  });
});
