import {
  accepting,
  Adoption,
  adoptionTimerAt,
  afterRequest,
  awaitedRequest,
  codeAccepted,
  codeLost,
  codeRequested,
  describeAdoption,
  end,
  fireAdoptionTimer,
  guessEnvironment,
  linked,
  MAX_CODE_REQUESTS,
  newAdoption,
  requestAccountName,
  requestOutcome,
  takesCode,
  timedOut,
  timerDue,
} from '../../src/domain/adoptions';
import { completeStep, nextFreeStep } from '../../src/domain/workflowSteps';
import type { AddressRequest } from '../../src/domain/addressRequests';
import type { AwsAccount } from '../../src/domain/awsAccounts';

const NOW = new Date('2026-11-25T10:00:00Z');
const later = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
const account: AwsAccount = {
  id: '210987654321',
  name: 'Payments DR',
  email: 'jane.doe@example.org',
  state: 'ACTIVE',
  isManagementAccount: false,
};
const ALIAS = 'aws-1-2@contoso.com';

function started(): Adoption {
  return newAdoption({
    adoptionId: 'adp-0a1b2c3d',
    account,
    requester: { id: 'carol', name: 'Carol Admin' },
    requestId: 'req-0a1b2c3d',
    now: NOW,
  });
}

function waitingForCode(): Adoption {
  const given = afterRequest(started(), { state: 'fulfilled', address: ALIAS }, NOW, 60)!;
  return completeStep(codeRequested(given, NOW, 60), 'start-update');
}

describe('adoption rules', () => {
  it('starts waiting for its address request, and posts itself to on-call first', () => {
    const adoption = started();
    expect(adoption).toMatchObject({
      state: 'awaiting-approval',
      previousEmail: 'jane.doe@example.org',
      steps: ['post-oncall'],
      workPending: true,
    });
    expect(describeAdoption(adoption)).toMatch(/Waiting for approval of the address request req-0a1b2c3d/);
  });

  it('moves on only when the request gave an address; a closed request ends it without anything to undo', () => {
    expect(afterRequest(started(), { state: 'pending' }, NOW, 60)).toBeUndefined();
    expect(afterRequest(started(), { state: 'approved' }, NOW, 60)).toBeUndefined();

    const given = afterRequest(started(), { state: 'fulfilled', address: ALIAS }, NOW, 60)!;
    expect(given).toMatchObject({
      state: 'awaiting-code',
      address: ALIAS,
      codeDeadline: later(60).toISOString(),
    });
    expect(given.steps).toEqual(['post-oncall', 'start-update', 'update-cards']);

    const rejected = afterRequest(started(), { state: 'closed', why: 'rejected by Bob Manager' }, NOW, 60)!;
    expect(rejected).toMatchObject({ state: 'ended', ended: { reason: 'request-closed' } });
    expect(rejected.ended?.problem).toMatch(
      /was rejected by Bob Manager, so the account keeps its root e-mail/,
    );
    expect(rejected.steps).not.toContain('quarantine');
    expect(rejected.steps).toEqual(expect.arrayContaining(['update-cards', 'tell']));
    // A decided adoption does not move again.
    expect(afterRequest(rejected, { state: 'fulfilled', address: ALIAS }, NOW, 60)).toBeUndefined();
  });

  it('takes a code only for its own alias, while waiting for one, and one mail at a time', () => {
    const waiting = waitingForCode();
    expect(takesCode(waiting, ALIAS.toUpperCase(), NOW)).toBe(true);
    expect(takesCode(waiting, 'aws-9-9@contoso.com', NOW)).toBe(false);
    expect(takesCode(started(), ALIAS, NOW)).toBe(false);
    const held = accepting(waiting, 'mail-1', NOW);
    expect(takesCode(held, ALIAS, later(1))).toBe(false);
    expect(takesCode(held, ALIAS, later(3))).toBe(true); // the hold lapsed (a crash)
    // While a code is being used the deadline does not end it.
    expect(timerDue({ ...held, codeDeadline: NOW.toISOString() }, later(1))).toBe(false);
  });

  it('follows an accepted code to the link, then tells everyone', () => {
    const accepted = codeAccepted(accepting(waitingForCode(), 'mail-1', NOW), 'mail-1', later(2));
    expect(accepted).toMatchObject({ state: 'accepted', codeMailId: 'mail-1', accepting: undefined });
    expect(accepted.steps).toContain('confirm');
    const done = linked(accepted, later(3));
    expect(done).toMatchObject({ state: 'linked', linkedAt: later(3).toISOString() });
    expect(done.steps).toEqual(expect.arrayContaining(['update-cards', 'tell']));
    expect(describeAdoption(done)).toMatch(
      /Linked: aws-1-2@contoso.com is the root e-mail of account 210987654321/,
    );
  });

  it('puts the alias back in quarantine when it ends after the address was given', () => {
    const rejectedCode = end(waitingForCode(), 'code-rejected', 'AWS rejected the one-time code', NOW);
    expect(rejectedCode).toMatchObject({ state: 'ended', ended: { reason: 'code-rejected' } });
    expect(rejectedCode.steps).toEqual(expect.arrayContaining(['quarantine', 'update-cards', 'tell']));
    expect(rejectedCode.steps).not.toContain('start-update');
    expect(describeAdoption(rejectedCode)).toMatch(/goes back to quarantine/);
    // Ending twice changes nothing.
    expect(end(rejectedCode, 'code-timeout', 'again', later(5))).toBe(rejectedCode);
    // A failed link leaves the alias assigned: the account already uses it.
    const linkFailed = end(codeAccepted(waitingForCode(), 'm', NOW), 'link-failed', 'refused', NOW);
    expect(linkFailed.steps).not.toContain('quarantine');
  });

  it('times out when no code came by the deadline, saying which part was missing', () => {
    const waiting = waitingForCode();
    expect(timerDue(waiting, later(59))).toBe(false);
    expect(timerDue(waiting, later(60))).toBe(true);
    expect(timedOut(waiting, later(60), 60).ended?.problem).toMatch(
      /No code from AWS arrived at aws-1-2@contoso.com within 60 minutes/,
    );
    const neverAsked = afterRequest(started(), { state: 'fulfilled', address: ALIAS }, NOW, 60)!;
    expect(timedOut(neverAsked, later(60), 60).ended?.problem).toMatch(
      /AWS could not be reached to start the change/,
    );
  });

  it('asks for a new code when one was lost, a few times at most', () => {
    let adoption = accepting(waitingForCode(), 'mail-1', NOW);
    for (let i = 1; i < MAX_CODE_REQUESTS; i++) {
      adoption = codeLost(adoption, `mail-${i}`, NOW, 60);
      expect(adoption.state).toBe('awaiting-code');
      expect(adoption.steps).toContain('start-update');
      adoption = completeStep(codeRequested(adoption, NOW, 60), 'start-update');
    }
    expect(codeLost(adoption, 'mail-x', NOW, 60)).toMatchObject({
      state: 'ended',
      ended: { reason: 'code-timeout' },
    });
  });

  it('waits for its address request while awaiting approval, and reads it as the adoption sees it', () => {
    expect(awaitedRequest(started())).toBe('req-0a1b2c3d');
    expect(awaitedRequest(waitingForCode())).toBeUndefined();
    const request = {
      requestId: 'req-0a1b2c3d',
      state: 'rejected',
      decision: { outcome: 'rejected', by: { id: 'b', name: 'Bob' }, at: NOW.toISOString() },
    } as AddressRequest;
    expect(requestOutcome(request)).toEqual({ state: 'closed', why: 'rejected by Bob' });
    expect(requestOutcome({ ...request, state: 'fulfilled', address: ALIAS })).toEqual({
      state: 'fulfilled',
      address: ALIAS,
    });
    expect(requestOutcome({ ...request, state: 'approved' })).toEqual({ state: 'approved' });
  });

  it('its timer: the code deadline, or the hold of a code being used, whose lapse has AWS asked', () => {
    const waiting = waitingForCode();
    expect(adoptionTimerAt(started())).toBeUndefined();
    expect(adoptionTimerAt(waiting)).toEqual(later(60));
    expect(fireAdoptionTimer(waiting, later(59), 60)).toBeUndefined();
    expect(fireAdoptionTimer(waiting, later(60), 60)).toMatchObject({
      state: 'ended',
      ended: { reason: 'code-timeout' },
    });

    const using = accepting(waiting, 'mail-1', later(10));
    expect(adoptionTimerAt(using)).toEqual(later(12));
    expect(fireAdoptionTimer(using, later(11), 60)).toBeUndefined(); // still being used
    const interrupted = fireAdoptionTimer(using, later(12), 60)!;
    expect(interrupted.steps).toContain('recover-accept');
    expect(adoptionTimerAt(interrupted)).toBeUndefined(); // the step looks into it; no timer meanwhile
    expect(fireAdoptionTimer(interrupted, later(70), 60)).toBeUndefined();
  });

  it('lets one instance hold a step, and another take it over when the hold lapsed', () => {
    const adoption = { ...started(), stepClaims: { 'post-oncall': later(2).toISOString() } };
    expect(nextFreeStep(adoption, later(1))).toBeUndefined();
    expect(nextFreeStep(adoption, later(2))).toBe('post-oncall');
  });

  it('names the request after the AWS account, and reads an environment from the name', () => {
    expect(requestAccountName(account)).toBe('payments-dr');
    expect(requestAccountName({ id: '210987654321', name: 'Équipe -- Données (prod)!' })).toBe(
      'equipe-donnees-prod',
    );
    expect(requestAccountName({ id: '210987654321', name: '★' })).toBe('aws-210987654321');
    expect(requestAccountName({ id: '1', name: 'x'.repeat(60) })).toHaveLength(40);
    const defaults = ['prod', 'nonprod', 'sandbox'];
    expect(guessEnvironment('Payments DR', defaults)).toBe('prod');
    expect(guessEnvironment('payments-staging', defaults)).toBe('nonprod');
    expect(guessEnvironment('Team Sandbox 3', defaults)).toBe('sandbox');
    // A configured environment the name states is taken as it is, never folded into another.
    expect(guessEnvironment('payments-staging', [...defaults, 'staging'])).toBe('staging');
    // Nothing outside the list: a name that states no configured environment is asked about.
    expect(guessEnvironment('payments-dev', ['prod', 'staging'])).toBeUndefined();
    expect(guessEnvironment('Payments DR', ['dev', 'live'])).toBeUndefined();
  });
});
