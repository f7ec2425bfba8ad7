import { RequestUnitBudget } from '../../src/storage/requestUnitBudget';

/** A clock moved only by the budget's own waits: what it would have waited, in order. */
function virtualTime() {
  let now = 0;
  const waits: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
    waits,
    pass: (ms: number) => (now += ms),
  };
}

describe('the request-unit budget of background work', () => {
  it('lets a second’s worth go at once, then keeps to its rate by the charges Cosmos DB reports', async () => {
    const time = virtualTime();
    const budget = new RequestUnitBudget(100, time.now, time.sleep);
    let spent = 0;
    while (time.now() < 10_000) {
      const taken = await budget.take();
      budget.spent(taken, 10); // every request costs 10 RU
      spent += 10;
    }
    // 100 RU at once plus 100 RU/s for ten seconds.
    expect(spent).toBeGreaterThanOrEqual(1_000);
    expect(spent).toBeLessThanOrEqual(1_130);
  });

  it('halves its rate when Cosmos DB throttles it, and recovers a tenth of the ceiling per quiet second', async () => {
    const time = virtualTime();
    const budget = new RequestUnitBudget(160, time.now, time.sleep);
    budget.throttled();
    expect(budget.currentRate).toBe(80);
    for (let i = 0; i < 10; i++) budget.throttled();
    expect(budget.currentRate).toBe(10); // never below a sixteenth
    time.pass(2_000);
    budget.spent(await budget.take(), 0);
    expect(budget.currentRate).toBeCloseTo(10 + 2 * 16, 5);
  });
});
