import { Limiter } from '../../src/app/limiter';

/** A task that runs until the test lets it finish. */
function gate() {
  let open!: () => void;
  const done = new Promise<void>((resolve) => (open = resolve));
  return { done, open };
}

describe('Limiter', () => {
  it('runs at most its size at once, the others in the order they came', async () => {
    const limiter = new Limiter(2);
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      limiter.run(async () => {
        started.push(i);
        await g.done;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limiter.queued).toBe(3);
    gates[1].open();
    await runs[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    gates.forEach((g) => g.open());
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(limiter.queued).toBe(0);
  });

  it('gives the slot of a failed task to the next one', async () => {
    const limiter = new Limiter(1);
    const failed = limiter.run(async () => {
      throw new Error('boom');
    });
    const next = limiter.run(async () => 'ran');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
    await expect(limiter.run(async () => 'and again')).resolves.toBe('and again');
  });
});

describe('Limiter aside', () => {
  it('lends the slot to the next task while a task waits aside, and takes one back after', async () => {
    const limiter = new Limiter(1);
    const elsewhere = gate();
    const order: string[] = [];
    const first = limiter.run(async (aside) => {
      order.push('first starts');
      await aside(() => elsewhere.done);
      order.push('first goes on');
    });
    const second = limiter.run(async () => {
      order.push('second runs');
    });
    await second; // ran while the first waited aside
    expect(order).toEqual(['first starts', 'second runs']);
    elsewhere.open();
    await first;
    expect(order).toEqual(['first starts', 'second runs', 'first goes on']);
  });
});
