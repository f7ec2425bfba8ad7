/**
 * The bookkeeping every durable workflow document carries (a request, an adoption…), as pure rules: which
 * side effects are still to do, who holds each one until when, and how often each has failed. The document
 * is stored with its pending steps before any side effect, so a crash loses nothing; the runner in
 * src/app/workflows/ claims a step by etag, renews the claim while it works, and completes it. No I/O.
 */

/** An instance's hold on a step: until when, and which process holds it (it alone renews it). */
export interface StepClaim {
  until: string;
  by: string;
}

export interface StepBook<Step extends string> {
  /** Pending side effects, in order. */
  steps: Step[];
  /** Mirrors `steps.length > 0`, so it can be queried. */
  workPending: boolean;
  /**
   * Step → its claim. A failed step stays held until its retry is due. A plain string is the `until` of a
   * claim stored before claims named their holder.
   */
  stepClaims: Partial<Record<Step, StepClaim | string>>;
  /** Step → how often it failed so far (for the backoff); gone once it completes. */
  stepFailures?: Partial<Record<Step, number>>;
  /** Every new message the steps posted, by a key naming it (see PostRecord); absent in old data. */
  posts?: Record<string, PostRecord>;
}

type StepOf<D> = D extends StepBook<infer S> ? S : never;

/** Appends steps not already pending (re-adding a pending step is a no-op, so retries are harmless). */
export function withSteps<D extends StepBook<string>>(doc: D, ...steps: StepOf<D>[]): D {
  const all = [...doc.steps];
  for (const step of steps) if (!all.includes(step)) all.push(step);
  return { ...doc, steps: all, workPending: all.length > 0 };
}

/** The step is done: it leaves the list with its claim and failure count. */
export function completeStep<D extends StepBook<string>>(doc: D, step: StepOf<D>): D {
  const steps = doc.steps.filter((s) => s !== step);
  return {
    ...doc,
    steps,
    stepClaims: without(doc.stepClaims, step),
    stepFailures: without(doc.stepFailures ?? {}, step),
    workPending: steps.length > 0,
  };
}

export function claimOf(doc: StepBook<string>, step: string): StepClaim | undefined {
  const claim = (doc.stepClaims as Record<string, StepClaim | string | undefined>)[step];
  return typeof claim === 'string' ? { until: claim, by: '' } : claim;
}

const heldAt = (claim: StepClaim | undefined, now: Date) =>
  !!claim && Date.parse(claim.until) > now.getTime();

/** The next step nobody holds: unclaimed, or its claim lapsed (its holder died, or its retry is due). */
export function nextFreeStep<D extends StepBook<string>>(doc: D, now: Date): StepOf<D> | undefined {
  return doc.steps.find((s) => !heldAt(claimOf(doc, s), now)) as StepOf<D> | undefined;
}

/** Holds `step` for `by` until `until` (written with the etag of the version read: one holder wins). */
export function claimStep<D extends StepBook<string>>(doc: D, step: StepOf<D>, by: string, until: Date): D {
  return { ...doc, stepClaims: { ...doc.stepClaims, [step]: { until: until.toISOString(), by } } };
}

/** The claim held a while longer; undefined once it is no longer `by`'s (taken over, or completed). */
export function renewClaim<D extends StepBook<string>>(
  doc: D,
  step: StepOf<D>,
  by: string,
  until: Date,
): D | undefined {
  if (!doc.steps.includes(step) || claimOf(doc, step)?.by !== by) return undefined;
  return claimStep(doc, step, by, until);
}

/**
 * The step failed: it stays pending, held until its retry (by nobody, so any instance retries it then),
 * with one more failure counted. Other steps go on meanwhile.
 */
export function failStep<D extends StepBook<string>>(doc: D, step: StepOf<D>, retryAt: Date): D {
  if (!doc.steps.includes(step)) return doc;
  const failures = doc.stepFailures ?? {};
  return {
    ...doc,
    stepClaims: { ...doc.stepClaims, [step]: { until: retryAt.toISOString(), by: '' } },
    stepFailures: { ...failures, [step]: (failures[step as keyof typeof failures] ?? 0) + 1 },
  };
}

export function failuresOf(doc: StepBook<string>, step: string): number {
  return (doc.stepFailures as Record<string, number | undefined> | undefined)?.[step] ?? 0;
}

/** Waits between tries of a failing step: first, twice that, … at most `maxMs`. */
export function retryDelayMs(failures: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 2 ** Math.max(0, failures - 1));
}

/**
 * When the document's steps next need looking at: now for a free step, else when the first claim lapses;
 * undefined without steps. (A workflow's own timers come on top: see the runner.)
 */
export function stepsDueAt(doc: StepBook<string>, now: Date): Date | undefined {
  let due: number | undefined;
  for (const step of doc.steps) {
    const claim = claimOf(doc, step);
    const at = heldAt(claim, now) ? Date.parse(claim!.until) : now.getTime();
    due = due === undefined ? at : Math.min(due, at);
  }
  return due === undefined ? undefined : new Date(due);
}

/** The earliest of several due times (undefined ones ignored). */
export function earliest(...times: (Date | undefined)[]): Date | undefined {
  const known = times.filter((t): t is Date => !!t && !Number.isNaN(t.getTime()));
  return known.length ? new Date(Math.min(...known.map((t) => t.getTime()))) : undefined;
}

/**
 * A new message (a post, not an update) as a step recorded it. Teams takes no idempotency key and cannot
 * be asked whether a message went out, so a post is recorded as `sending` before the call and as `sent`
 * (with where it went) or `refused` (Teams certainly did not take it) after. A post found `sending` was
 * interrupted mid-call (a crash, or an answer that left its fate open) and is never sent again: at most once.
 */
export interface PostRecord {
  state: 'sending' | 'sent' | 'refused';
  at: string;
  attempts: number;
  message?: { conversationId: string; activityId: string; serviceUrl: string };
}

/**
 * What to do about the post `key`: send it (the document, with it marked `sending`), or not, because it went
 * out (`sent`) or may have (`sending`).
 */
export function beginPost<D extends StepBook<string>>(
  doc: D,
  key: string,
  now: Date,
): { send: D } | { earlier: PostRecord } {
  const earlier = doc.posts?.[key];
  if (earlier && earlier.state !== 'refused') return { earlier };
  const record: PostRecord = {
    state: 'sending',
    at: now.toISOString(),
    attempts: (earlier?.attempts ?? 0) + 1,
  };
  return { send: { ...doc, posts: { ...doc.posts, [key]: record } } };
}

/** Records how a post ended: `sent` with where it went, or `refused`. */
export function finishPost<D extends StepBook<string>>(
  doc: D,
  key: string,
  outcome: { state: 'sent'; message: NonNullable<PostRecord['message']> } | { state: 'refused' },
  now: Date,
): D {
  const earlier = doc.posts?.[key];
  const record: PostRecord = { ...outcome, at: now.toISOString(), attempts: earlier?.attempts ?? 1 };
  return { ...doc, posts: { ...doc.posts, [key]: record } };
}

function without<V>(record: Partial<Record<string, V>>, key: string): Partial<Record<string, V>> {
  if (!(key in record)) return record;
  const copy = { ...record };
  delete copy[key];
  return copy;
}
