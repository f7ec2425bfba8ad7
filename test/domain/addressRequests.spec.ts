import { describeCancelRefusal } from '../../src/domain/requestWording';
import {
  AddressRequest,
  awaitCapacity,
  cancel,
  chooseApprovers,
  decide,
  expire,
  fireTimer,
  markReminded,
  newRequest,
  requestTimerAt,
  timerDue,
  validateRequestInput,
} from '../../src/domain/addressRequests';
import { completeStep, nextFreeStep } from '../../src/domain/workflowSteps';

const alice = { id: 'alice', name: 'Alice' };
const bob = { id: 'bob', name: 'Bob' };
const frank = { id: 'frank', name: 'Frank' };
const t0 = new Date('2026-01-01T09:00:00Z');
const hours = (h: number) => new Date(t0.getTime() + h * 3_600_000);

function pending(approvers = [bob]): AddressRequest {
  return newRequest({
    requestId: 'req-1',
    input: { accountName: 'payments-prod', environment: 'prod' },
    requester: alice,
    origin: 'chat',
    approvers,
    approverSource: 'manager',
    now: t0,
    reminderHours: 24,
    expiryHours: 72,
  });
}

describe('request input', () => {
  it('accepts a plain account name and lower-cases it', () => {
    expect(
      validateRequestInput({ accountName: 'Payments-Prod', environment: 'PROD', purpose: ' cards ' }),
    ).toEqual({
      ok: true,
      value: { accountName: 'payments-prod', environment: 'prod', purpose: 'cards', costCentre: undefined },
    });
  });

  it('names every field to fix, in the words the user needs', () => {
    const result = validateRequestInput({
      accountName: 'prod payments',
      environment: 'live',
      costCentre: '<x>',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.accountName).toMatch(
      /.prod payments. is not a valid account name: use letters, digits and hyphens/,
    );
    expect(result.errors.environment).toMatch(/prod, nonprod, sandbox/);
    expect(result.errors.costCentre).toMatch(/cost centre/);
    expect(validateRequestInput({ environment: 'prod' })).toMatchObject({
      ok: false,
      errors: { accountName: /name/ },
    });
    expect(validateRequestInput({ accountName: 'ab', environment: 'prod' }).ok).toBe(false);
    expect(validateRequestInput({ accountName: '-abc', environment: 'prod' }).ok).toBe(false);
  });
});

describe('who approves', () => {
  it('is the manager when there is one, else the approver group without the requester', () => {
    expect(chooseApprovers('alice', bob, [frank])).toEqual({ approvers: [bob], source: 'manager' });
    expect(chooseApprovers('alice', undefined, [alice, frank])).toEqual({
      approvers: [frank],
      source: 'approver-group',
    });
  });

  it('explains when nobody else could approve', () => {
    expect(chooseApprovers('alice', undefined, [])).toEqual({
      refusal: expect.stringMatching(/no manager .* no approvers are configured/),
    });
    expect(chooseApprovers('alice', undefined, [alice])).toEqual({
      refusal: expect.stringMatching(/only approver/),
    });
    expect(chooseApprovers('alice', alice, [])).toEqual({
      refusal: expect.stringMatching(/your own manager/),
    });
    // an unreachable directory is not the same as "no manager"
    expect(chooseApprovers('alice', undefined, [alice], true)).toEqual({
      refusal: expect.stringMatching(/could not be asked for your manager/),
    });
  });
});

describe('deciding', () => {
  it('stores exactly one decision; later clicks learn it was decided', () => {
    const first = decide(pending([bob, frank]), bob, 'approved', ' fine ', t0);
    expect(first).toMatchObject({
      kind: 'decided',
      request: { state: 'approved', decision: { by: bob, comment: 'fine' } },
    });
    if (first.kind !== 'decided') return;
    expect(first.request.steps).toEqual(['deliver-approval', 'update-cards', 'allocate']);
    expect(decide(first.request, frank, 'rejected', undefined, t0)).toMatchObject({
      kind: 'already-decided',
    });
    expect(decide(first.request, bob, 'approved', undefined, t0)).toMatchObject({ kind: 'already-decided' });
  });

  it('refuses the requester and anyone who is not an approver of this request', () => {
    const selfApproving = pending([alice, bob]);
    expect(decide(selfApproving, alice, 'approved', undefined, t0)).toEqual({
      kind: 'refused',
      reason: 'own-request',
    });
    expect(decide(pending(), frank, 'approved', undefined, t0)).toEqual({
      kind: 'refused',
      reason: 'not-approver',
    });
  });

  it('a rejection tells the requester; an empty pool makes the request wait and alerts admins once', () => {
    const rejected = decide(pending(), bob, 'rejected', 'no', t0);
    expect(rejected).toMatchObject({
      request: { state: 'rejected', steps: expect.arrayContaining(['notify-requester']) },
    });
    const approved = decide(pending(), bob, 'approved', undefined, t0);
    if (approved.kind !== 'decided') return;
    const waiting = awaitCapacity(completeStep(approved.request, 'allocate'));
    expect(waiting.state).toBe('waiting-for-capacity');
    expect(waiting.steps.filter((s) => s === 'alert-capacity')).toHaveLength(1);
    expect(awaitCapacity(waiting)).toBe(waiting);
  });
});

describe('cancelling and timers', () => {
  it('only the requester cancels, and only while pending', () => {
    const refused = cancel(pending(), bob, t0);
    expect(refused).toEqual({ ok: false, reason: 'not-requester' });
    expect(describeCancelRefusal(pending(), 'not-requester')).toMatch(/Only Alice/);
    const done = cancel(pending(), alice, t0);
    expect(done).toMatchObject({ ok: true, request: { state: 'cancelled' } });
    if (!done.ok) return;
    expect(cancel(done.request, alice, t0)).toEqual({ ok: false, reason: 'not-pending' });
    expect(describeCancelRefusal(done.request, 'not-pending')).toMatch(/only a pending request/);
  });

  it('reminds once after the reminder time, expires after the expiry time', () => {
    const request = pending();
    expect(timerDue(request, hours(23.9))).toBeUndefined();
    expect(timerDue(request, hours(24))).toBe('remind');
    expect(timerDue(markReminded(request, hours(24)), hours(30))).toBeUndefined();
    expect(timerDue(markReminded(request, hours(24)), hours(72))).toBe('expire');
    expect(expire(request, hours(72))).toMatchObject({ state: 'expired', closed: { reason: 'expired' } });
    expect(timerDue(expire(request, hours(72)), hours(100))).toBeUndefined();
  });

  it('its timer is due at the reminder, then at the expiry, and no more once decided', () => {
    const request = pending();
    expect(requestTimerAt(request)).toEqual(hours(24));
    expect(fireTimer(request, hours(23))).toBeUndefined();
    const reminded = fireTimer(request, hours(24))!;
    expect(reminded).toMatchObject({
      remindedAt: hours(24).toISOString(),
      steps: ['deliver-approval', 'remind-approver'],
    });
    expect(requestTimerAt(reminded)).toEqual(hours(72));
    expect(fireTimer(reminded, hours(72))).toMatchObject({ state: 'expired' });
    expect(requestTimerAt(expire(reminded, hours(72)))).toBeUndefined();
    const decided = decide(request, bob, 'approved', undefined, t0);
    expect(decided.kind === 'decided' && requestTimerAt(decided.request)).toBeUndefined();
  });

  it('a claimed step is skipped until its claim lapses (a claim stored before claims named their holder)', () => {
    const request = { ...pending(), stepClaims: { 'deliver-approval': hours(0.1).toISOString() } };
    expect(nextFreeStep(request, t0)).toBeUndefined();
    expect(nextFreeStep(request, hours(0.2))).toBe('deliver-approval');
  });
});
