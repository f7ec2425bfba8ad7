import {
  auditedBefore,
  decideRootAccess,
  endSession,
  fireRootAccessTimer,
  inventoried,
  newRootAccess,
  opened,
  reasonProblem,
  refusedToOpen,
  removed,
  RootAccess,
  rootAccessTimerAt,
  startSession,
  whatToRemove,
} from '../../src/domain/rootAccess';
import { describeRootAccess, describeRemoval, signInSteps } from '../../src/domain/rootAccessWording';
import type { RootCredentials } from '../../src/domain/rootPosture';
import { goesToRootSession } from '../../src/domain/mailClassification';

const alice = { id: 'alice-id', name: 'Alice' };
const bob = { id: 'bob-id', name: 'Bob' };
const carol = { id: 'carol-id', name: 'Carol' };
const T0 = new Date('2026-12-01T09:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const clean: RootCredentials = { password: false, accessKeys: [], mfaDevices: [], signingCertificates: [] };

function session(kind: RootAccess['kind'] = 'session', fields: Partial<RootAccess> = {}): RootAccess {
  return {
    ...newRootAccess({
      id: 'ra-00000001',
      kind,
      account: { id: '123456789012', name: 'payments-sandbox', rootEmail: 'aws_1@contoso.com' },
      reason: 'restore the S3 bucket policy that locks everyone out',
      requester: alice,
      origin: 'chat',
      approvers: [bob],
      approverSource: 'manager',
      removal: kind === 'removal' ? { mfa: false } : undefined,
      now: T0,
      expiryHours: 72,
    }),
    ...fields,
  };
}

const approved = (s = session()) => {
  const r = decideRootAccess(s, bob, 'approved', 'ok', at(1), 4);
  if (r.kind !== 'decided') throw new Error(r.kind);
  return r.access;
};
const started = () => {
  const r = startSession(approved(), alice, at(10), 60);
  if (!r.ok) throw new Error(r.reason);
  return r.access;
};

describe('root access rules', () => {
  it('asks for a reason a reader understands', () => {
    expect(reasonProblem('session', 'fix')).toMatch(/at least 10 characters/);
    expect(reasonProblem('session', 'restore the bucket policy')).toBeUndefined();
    expect(reasonProblem('removal', '')).toBeUndefined();
    expect(reasonProblem('session', 'x'.repeat(501))).toMatch(/keep it to 500/);
  });

  it('nobody decides their own request, only approvers decide, and the first decision wins', () => {
    expect(decideRootAccess(session(), alice, 'approved', '', at(1), 4)).toEqual({
      kind: 'refused',
      reason: 'own-request',
    });
    expect(decideRootAccess(session(), { ...carol }, 'approved', '', at(1), 4)).toEqual({
      kind: 'refused',
      reason: 'not-approver',
    });
    const first = approved();
    expect(first).toMatchObject({ state: 'approved', startBy: at(1 + 240).toISOString() });
    expect(first.steps).toEqual(['deliver-approval', 'update-cards', 'tell']);
    expect(decideRootAccess(first, bob, 'rejected', '', at(2), 4).kind).toBe('already-decided');
  });

  it('a rejection closes it with nothing changed; an approved removal goes ahead at once', () => {
    const rejected = decideRootAccess(session(), bob, 'rejected', 'not now', at(1), 4);
    expect(rejected.kind === 'decided' && rejected.access.closed?.outcome).toBe('rejected');
    expect(rejected.kind === 'decided' && describeRootAccess(rejected.access)).toMatch(
      /Rejected by Bob: “not now”\. Nothing was changed in AWS\./,
    );
    const removal = approved(session('removal'));
    expect(removal.state).toBe('closing');
    expect(removal.steps).toContain('inventory');
  });

  it('only the requester starts, only while Start is offered; the minutes count from Start', () => {
    expect(startSession(approved(), bob, at(10), 60)).toEqual({ ok: false, reason: 'not-requester' });
    expect(startSession(session(), alice, at(10), 60)).toEqual({ ok: false, reason: 'not-approved' });
    expect(startSession(approved(), alice, at(1 + 240), 60)).toEqual({ ok: false, reason: 'start-expired' });
    const s = started();
    expect(s).toMatchObject({ state: 'opening', endsAt: at(70).toISOString() });
    expect(s.steps).toContain('audit-before');
  });

  it('opens once the recovery is allowed, and its timer closes it when its minutes are over', () => {
    const s = opened(auditedBefore(started(), clean), at(11));
    expect(s.state).toBe('open');
    expect(rootAccessTimerAt(s)).toEqual(at(70));
    expect(fireRootAccessTimer(s, at(69))).toBeUndefined();
    const closing = fireRootAccessTimer(s, at(70))!;
    expect(closing).toMatchObject({ state: 'closing', ended: { how: 'timer' } });
    expect(closing.steps).toContain('inventory');
    expect(describeRootAccess(closing)).toMatch(/its 60 minutes are over/);
  });

  it('the timers end a request nobody decided and an approval nobody started', () => {
    expect(fireRootAccessTimer(session(), at(72 * 60))?.closed?.outcome).toBe('expired');
    expect(fireRootAccessTimer(approved(), at(241))?.closed?.outcome).toBe('start-expired');
    expect(describeRootAccess(fireRootAccessTimer(approved(), at(241))!)).toMatch(
      /Not started in time.*Nothing was changed in AWS/,
    );
  });

  it('done withdraws before Start, closes after it; the requester or an admin', () => {
    expect(endSession(approved(), bob, at(5))).toEqual({ ok: false, reason: 'not-allowed' });
    const withdrawn = endSession(approved(), alice, at(5));
    expect(withdrawn.ok && withdrawn.access.closed?.outcome).toBe('withdrawn');
    const byAdmin = endSession(started(), { ...carol, admin: true }, at(20));
    expect(byAdmin.ok && byAdmin.access).toMatchObject({ state: 'closing', ended: { how: 'done' } });
    const again = byAdmin.ok ? endSession(byAdmin.access, alice, at(21)) : undefined;
    expect(again).toEqual({ ok: false, reason: 'already-ending' });
  });

  it('a session ended while it was opening never opens', () => {
    const s = auditedBefore(started(), clean);
    const ended = endSession(s, alice, at(11));
    expect(ended.ok && opened(ended.access, at(12)).state).toBe('closing');
    expect(refusedToOpen(started(), 'AccessDenied', at(11))).toMatchObject({
      state: 'closed',
      closed: { outcome: 'refused-by-aws', problem: 'AccessDenied' },
    });
  });

  it('a session removes the password and whatever it added; a removal removes all but MFA unless asked', () => {
    const before: RootCredentials = {
      ...clean,
      accessKeys: [{ id: 'AKIAOLD00000001', active: true }],
      mfaDevices: [{ serial: 'arn:mfa/old' }],
    };
    const now: RootCredentials = {
      password: true,
      accessKeys: [...before.accessKeys, { id: 'AKIANEW00000002', active: true }],
      mfaDevices: [...before.mfaDevices, { serial: 'arn:mfa/new' }],
      signingCertificates: [],
    };
    const s = auditedBefore(started(), before);
    expect(whatToRemove(s, now)).toEqual({
      password: true,
      accessKeyIds: ['AKIANEW00000002'],
      signingCertificateIds: [],
      mfaSerialNumbers: ['arn:mfa/new'],
    });
    // Without knowing what was there before, only the password.
    expect(whatToRemove(started(), now).accessKeyIds).toEqual([]);
    const removal = approved(session('removal'));
    expect(whatToRemove(removal, now)).toMatchObject({
      accessKeyIds: ['AKIAOLD00000001', 'AKIANEW00000002'],
      mfaSerialNumbers: [],
    });
    const withMfa = { ...removal, removal: { mfa: true } };
    expect(whatToRemove(withMfa, now).mfaSerialNumbers).toHaveLength(2);
    expect(describeRemoval(whatToRemove(s, now))).toBe('the password and access key AKIA…0002, 1 MFA device');
  });

  it('what a session left behind is said before it is removed; the end is told to everyone', () => {
    const closing = endSession(opened(auditedBefore(started(), clean), at(11)), alice, at(30));
    if (!closing.ok) throw new Error(closing.reason);
    const extras = {
      password: true,
      accessKeyIds: ['AKIANEW00000002'],
      signingCertificateIds: [],
      mfaSerialNumbers: [],
    };
    const steps = inventoried({ ...closing.access, steps: [] }, extras).steps;
    expect(steps).toEqual(['tell', 'remove']);
    const plain = inventoried({ ...closing.access, steps: [] }, { ...extras, accessKeyIds: [] });
    expect(plain.steps).toEqual(['remove']);
    const done = removed(plain, clean, at(31));
    expect(done).toMatchObject({ state: 'closed', closed: { outcome: 'done' } });
    expect(describeRootAccess(done)).toMatch(
      /Closed at .* \(ended by Alice\): removed the password\. The root user now has no root credentials\./,
    );
  });

  it('tells the requester exactly what to do, with the address and the end', () => {
    const steps = signInSteps(opened(auditedBefore(started(), clean), at(11)));
    expect(steps.join('\n')).toMatch(/https:\/\/signin\.aws\.amazon\.com\/.*Root user.*aws_1@contoso\.com/);
    expect(steps.join('\n')).toMatch(/Forgot password\?/);
    expect(steps.join('\n')).toMatch(/root-access done payments-sandbox/);
  });
});

describe("a live session's sign-in mails", () => {
  it('are the password reset and the sign-in code, and only when proven to be AWS’s', () => {
    expect(goesToRootSession('password-reset', 'trusted')).toBe(true);
    expect(goesToRootSession('signin-code', 'trusted')).toBe(true);
    expect(goesToRootSession('password-reset', 'suspicious')).toBe(false); // a look-alike stays a warning
    expect(goesToRootSession('mfa-recovery', 'trusted')).toBe(false);
    expect(goesToRootSession('signup-code', 'trusted')).toBe(false);
  });
});
