import {
  approvalCard,
  requestCardFor,
  requestFormCard,
  requestResultCard,
  requestStatusCard,
} from '../../src/cards/requestCards';
import { AddressRequest, decide, fulfil, newRequest } from '../../src/domain/addressRequests';
import { adaptiveCardProblems as problemsOf } from '../support/adaptiveCardProblems';

const alice = { id: 'a-1', name: 'Alice Requester' };
const bob = { id: 'b-2', name: 'Bob Manager' };
const now = new Date('2026-01-01T09:00:00Z');
const pending: AddressRequest = newRequest({
  requestId: 'req-1a2b3c4d',
  input: { accountName: 'payments-prod', purpose: 'Card payments', environment: 'prod' },
  requester: alice,
  origin: 'chat',
  approvers: [bob],
  approverSource: 'manager',
  now,
  reminderHours: 24,
  expiryHours: 72,
});

describe('request cards, as the Adaptive Cards parser sees them', () => {
  it('the empty form parses cleanly, with Action.Execute and an Action.Submit fallback carrying the verb', () => {
    const card = requestFormCard();
    expect(problemsOf(card)).toEqual([]);
    const action = (card.actions as any[])[0];
    expect(action).toMatchObject({ type: 'Action.Execute', verb: 'request.submit' });
    expect(action.fallback).toMatchObject({ type: 'Action.Submit', data: { verb: 'request.submit' } });
    expect(JSON.stringify(card)).not.toContain('${');
  });

  it('a form sent back with errors keeps the values and shows each problem next to its field', () => {
    const card = requestFormCard({
      accountName: 'prod payments',
      purpose: 'x',
      environment: 'prod',
      errors: { accountName: 'not a valid account name' },
    });
    expect(problemsOf(card)).toEqual([]);
    const body = card.body as { id?: string; text?: string; value?: string }[];
    const field = body.findIndex((e) => e.id === 'accountName');
    expect(body[field].value).toBe('prod payments');
    expect(body[field + 1].text).toBe('not a valid account name');
    expect(body.filter((e) => /valid/.test(e.text ?? ''))).toHaveLength(1);
  });

  it('the approval card shows who asks and what, lists the approvers for refresh, and has Approve and Reject', () => {
    const card = approvalCard(pending);
    expect(problemsOf(card)).toEqual([]);
    expect(card.refresh).toMatchObject({ action: { verb: 'request.refresh' }, userIds: ['b-2'] });
    const text = JSON.stringify(card);
    expect(text).toContain('Alice Requester asks');
    expect(text).toContain('payments-prod');
    expect(text).toContain('Card payments');
    expect((card.actions as { title: string }[]).map((a) => a.title)).toEqual(['Approve', 'Reject']);
  });

  it('caps refresh.userIds at 60', () => {
    const many = {
      ...pending,
      approvers: Array.from({ length: 90 }, (_, i) => ({ id: `u${i}`, name: `U${i}` })),
    };
    expect((approvalCard(many).refresh as { userIds: string[] }).userIds).toHaveLength(60);
  });

  it('others see the status without buttons; after a decision nobody gets a refresh', () => {
    const status = requestCardFor(pending, 'someone-else');
    expect(problemsOf(status)).toEqual([]);
    expect(status.actions).toBeUndefined();
    expect(JSON.stringify(status)).toContain('Waiting for Bob Manager');
    expect(requestCardFor(pending, 'b-2').actions).toHaveLength(2);

    const decided = decide(pending, bob, 'rejected', 'use the sandbox OU', now);
    if (decided.kind !== 'decided') throw new Error('expected a decision');
    const rejected = requestStatusCard(decided.request);
    expect(problemsOf(rejected)).toEqual([]);
    expect(rejected.refresh).toBeUndefined();
    expect(JSON.stringify(rejected)).toContain('Rejected by Bob Manager: use the sandbox OU');
  });

  it('the result card gives the address and the next steps, including the link command', () => {
    const decided = decide(pending, bob, 'approved', undefined, now);
    if (decided.kind !== 'decided') throw new Error('expected a decision');
    const card = requestResultCard(fulfil(decided.request, 'aws-7f3a@contoso.com'));
    expect(problemsOf(card)).toEqual([]);
    const text = JSON.stringify(card);
    expect(text).toContain('aws-7f3a@contoso.com');
    expect(text).toContain('link aws-7f3a@contoso.com ‹12-digit account id›'); // Teams drops <…> as HTML
    expect(text).toContain('Bob Manager, 2026-01-01 09:00 UTC');
  });
});

it('the card checker itself reports a broken card (so the checks above can fail)', () => {
  const broken = {
    type: 'AdaptiveCard',
    version: '1.5',
    body: [{ type: 'Input.Text' }],
    actions: [{ type: 'Action.Execute' }],
  };
  expect(problemsOf(broken).length).toBeGreaterThan(0);
});
