import {
  claimOf,
  claimStep,
  completeStep,
  failStep,
  nextFreeStep,
  renewClaim,
  retryDelayMs,
  StepBook,
  stepsDueAt,
  withSteps,
} from '../../src/domain/workflowSteps';

/** The step bookkeeping every durable workflow shares (the runner in src/app/workflows/ applies it). */
type Step = 'a' | 'b';
const t0 = new Date('2026-01-01T09:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const doc = (): StepBook<Step> => ({ steps: ['a', 'b'], workPending: true, stepClaims: {} });

describe('workflow steps', () => {
  it('adds a step once, completes it with its claim and failures, and says when work is pending', () => {
    const book = withSteps(withSteps(doc(), 'a'), 'b');
    expect(book.steps).toEqual(['a', 'b']);
    const failed = failStep(claimStep(book, 'a', 'p1', at(30)), 'a', at(60));
    const done = completeStep(completeStep(failed, 'a'), 'b');
    expect(done).toEqual({ steps: [], workPending: false, stepClaims: {}, stepFailures: {} });
  });

  it('a claim names its holder; only that holder renews it, and only while the step is pending', () => {
    const claimed = claimStep(doc(), 'a', 'host/1/x', at(30));
    expect(claimOf(claimed, 'a')).toEqual({ until: at(30).toISOString(), by: 'host/1/x' });
    expect(renewClaim(claimed, 'a', 'host/1/x', at(40))?.stepClaims.a).toEqual({
      until: at(40).toISOString(),
      by: 'host/1/x',
    });
    expect(renewClaim(claimed, 'a', 'host/2/y', at(40))).toBeUndefined(); // someone else's
    expect(renewClaim(completeStep(claimed, 'a'), 'a', 'host/1/x', at(40))).toBeUndefined(); // done
  });

  it('the next free step skips live claims, not lapsed ones; a claim stored as a plain time still counts', () => {
    const book = claimStep(doc(), 'a', 'p1', at(30));
    expect(nextFreeStep(book, at(0))).toBe('b');
    expect(nextFreeStep(claimStep(book, 'b', 'p2', at(10)), at(5))).toBeUndefined();
    expect(nextFreeStep(book, at(30))).toBe('a');
    const legacy = { ...doc(), stepClaims: { a: at(30).toISOString() } };
    expect(claimOf(legacy, 'a')).toEqual({ until: at(30).toISOString(), by: '' });
    expect(nextFreeStep(legacy, at(1))).toBe('b');
  });

  it('a failed step waits for its retry, held by nobody; the waits double up to a maximum', () => {
    const failed = failStep(claimStep(doc(), 'a', 'p1', at(30)), 'a', at(90));
    expect(failed.stepFailures).toEqual({ a: 1 });
    expect(claimOf(failed, 'a')).toEqual({ until: at(90).toISOString(), by: '' });
    expect(renewClaim(failed, 'a', 'p1', at(120))).toBeUndefined(); // the failed run no longer holds it
    expect([1, 2, 3, 4, 9].map((n) => retryDelayMs(n, 30_000, 15 * 60_000))).toEqual([
      30_000, 60_000, 120_000, 240_000, 900_000,
    ]);
  });

  it('is due now with a free step, else when the first claim lapses, and never without steps', () => {
    expect(stepsDueAt(doc(), at(0))).toEqual(at(0));
    const both = claimStep(claimStep(doc(), 'a', 'p1', at(30)), 'b', 'p1', at(20));
    expect(stepsDueAt(both, at(0))).toEqual(at(20));
    expect(stepsDueAt(completeStep(completeStep(both, 'a'), 'b'), at(0))).toBeUndefined();
  });
});
