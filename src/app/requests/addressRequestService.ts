import { randomBytes } from 'node:crypto';
import {
  AddressRequest,
  cancel,
  CardCopy,
  decide,
  isApprover,
  newRequest,
  Outcome,
  Person,
  RequestContact,
  RequestInput,
} from '../../domain/addressRequests';
import { describeOwner } from '../../domain/addressChanges';
import { AccountHasAddressError } from '../../domain/addressErrors';
import type { AddressRecord } from '../../domain/addressRecords';
import type { Principal } from '../../domain/permissions';
import { describeCancelRefusal } from '../../domain/requestWording';
import { withSteps } from '../../domain/workflowSteps';
import type { Logger } from '../../log/logger';
import type { Clock } from '../../ports/clock';
import type { ApproverChoice } from '../approvals/approverChoice';
import type { AuditLog } from '../auditLog';
import type { BackgroundWork } from '../background';
import type { PeriodicJob } from '../jobs';
import type { WorkflowHandle } from '../workflows/workflowRunner';
import { RequestRepository, StoredRequest } from './requestRepository';
import { recordDecision, RequestHint } from './requestWorkflow';

export interface AddressRequestDeps {
  repository: RequestRepository;
  /** The request workflow as registered with the runner (requestWorkflow.ts). */
  work: WorkflowHandle<RequestHint>;
  /** Who approves (the manager, else APPROVER_IDS; never the requester). */
  approvers: ApproverChoice;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  background: BackgroundWork;
  /** The assigned address an account name already has (one root address per account), if any. */
  accountHolder: (accountName: string) => Promise<AddressRecord | undefined>;
  timers: { reminderHours: number; expiryHours: number };
}

/** Each change here is followed by its work on this instance (carryOut): others take it over only if it dies. */
const STARTED_HERE = { startedHere: true };

export type SubmitResult =
  | { kind: 'created'; request: AddressRequest }
  | { kind: 'duplicate'; existing: AddressRequest }
  | { kind: 'account-has-address'; existing: AddressRecord; problem: string }
  | { kind: 'no-approver'; reason: string };

export type DecisionResult =
  | { kind: 'decided'; request: AddressRequest }
  | { kind: 'already-decided'; request: AddressRequest }
  | { kind: 'refused'; reason: 'own-request' | 'not-approver'; request: AddressRequest }
  | { kind: 'not-found' };

/** Where the edge answered the person who acted, so the follow-up work leaves that copy alone. */
export interface CarryOutOptions {
  /** The requester's copy of the status card just sent (a chat reply, or the form it replaced). */
  requesterCopy?: CardCopy;
  /** The copy a click was answered on (the invoke response replaced it already). */
  answeredActivityId?: string;
}

/**
 * The request use cases: ask, decide, cancel. Every state change is stored (with its pending steps) before
 * any side effect and answered at once; `carryOut` then has the workflow runner perform the steps as
 * tracked background work, and any instance resumes whatever a crash left behind. Reminders and expiry are
 * the workflow's timer (requestWorkflow.ts).
 */
export class AddressRequestService {
  constructor(private readonly deps: AddressRequestDeps) {}

  get(requestId: string): Promise<StoredRequest | undefined> {
    return this.deps.repository.get(requestId);
  }

  /** The address an account name already has and the refusal that names it (one root address per account). */
  async accountTaken(accountName: string): Promise<{ existing: AddressRecord; problem: string } | undefined> {
    const existing = await this.deps.accountHolder(accountName);
    if (!existing) return undefined;
    const refusal = new AccountHasAddressError(accountName, {
      address: existing.address,
      ownerName: describeOwner(existing.owner),
    });
    return { existing, problem: refusal.message };
  }

  /** Stores a new request; its approval card goes out with `carryOut` once the requester has their answer. */
  async submit(
    input: RequestInput,
    requester: Principal,
    origin: AddressRequest['origin'],
    contact?: RequestContact,
  ): Promise<SubmitResult> {
    const { repository, audit, clock, timers } = this.deps;
    // Refused before anyone is asked to approve; the registry's account key decides a race at allocation.
    const taken = await this.accountTaken(input.accountName);
    if (taken) return { kind: 'account-has-address', ...taken };
    const { requester: person, verdict: choice } = await this.deps.approvers.choose(requester);
    if ('refusal' in choice) return { kind: 'no-approver', reason: choice.refusal };

    const requestId = `req-${randomBytes(4).toString('hex')}`;
    const holder = await repository.reserveName(input.accountName, requestId);
    if (holder) return { kind: 'duplicate', existing: holder };
    const request = newRequest({
      requestId,
      input,
      requester: person,
      origin,
      contact,
      approvers: choice.approvers,
      approverSource: choice.source,
      now: clock.now(),
      reminderHours: timers.reminderHours,
      expiryHours: timers.expiryHours,
    });
    try {
      await repository.create(requestId, request, STARTED_HERE);
    } catch (err) {
      await repository.releaseName(request);
      throw err;
    }
    await audit.record({
      subject: requestId,
      action: 'request.created',
      actorId: requester.id,
      actorName: requester.name,
      after: {
        accountName: input.accountName,
        environment: input.environment,
        purpose: input.purpose,
        costCentre: input.costCentre,
        approvers: choice.approvers.map((p) => p.id),
        origin,
      },
    });
    return { kind: 'created', request };
  }

  /** Stores the decision (the first stored one wins) and answers; the follow-up is `carryOut`. */
  async decide(
    requestId: string,
    actor: Principal,
    outcome: Outcome,
    comment?: string,
  ): Promise<DecisionResult> {
    const { repository, audit, clock } = this.deps;
    const person: Person = { id: actor.id, name: actor.name };
    for (;;) {
      const current = await repository.get(requestId);
      if (!current) return { kind: 'not-found' };
      const result = decide(current, person, outcome, comment, clock.now());
      if (result.kind === 'refused') {
        await audit.record({
          subject: current.requestId,
          action: 'request.decision-refused',
          actorId: actor.id,
          actorName: actor.name,
          detail: result.reason === 'own-request' ? 'tried to decide their own request' : 'not an approver',
        });
        return { ...result, request: current };
      }
      if (result.kind === 'already-decided') return result;
      const stored = await repository.tryReplace(current, result.request, STARTED_HERE);
      if (!stored) continue; // another click was stored first: decide again against it
      await recordDecision(audit, stored);
      return { kind: 'decided', request: stored };
    }
  }

  async cancel(
    requestId: string,
    actor: Principal,
  ): Promise<{ ok: true; request: AddressRequest } | { ok: false; problem: string }> {
    const { repository, audit, clock } = this.deps;
    let problem = '';
    const stored = await repository.update(
      requestId,
      (current) => {
        const result = cancel(current, { id: actor.id, name: actor.name }, clock.now());
        if (result.ok) return result.request;
        problem = describeCancelRefusal(current, result.reason);
        return undefined;
      },
      STARTED_HERE,
    );
    if (!stored) return { ok: false, problem: `There is no request ${String(requestId).slice(0, 40)}.` };
    if (problem) return { ok: false, problem };
    await audit.record({
      subject: stored.requestId,
      action: 'request.cancelled',
      actorId: actor.id,
      actorName: actor.name,
    });
    return { ok: true, request: stored };
  }

  /**
   * Runs the request's pending steps as tracked background work (after the person who acted has their
   * answer). Safe to call more than once: each step is claimed by etag before its side effect.
   */
  carryOut(requestId: string, options: CarryOutOptions = {}): void {
    this.deps.background.run(`request ${requestId}`, async () => {
      if (options.requesterCopy) await this.attachCopy(requestId, options.requesterCopy);
      await this.deps.work.run(requestId, { answeredActivityId: options.answeredActivityId });
    });
  }

  /** Keeps a copy of the request's card (e.g. the requester's status card) so later changes update it. */
  private async attachCopy(requestId: string, copy: CardCopy): Promise<void> {
    await this.deps.repository.update(requestId, (latest) =>
      latest.cardCopies.some(
        (c) => c.activityId === copy.activityId && c.conversationId === copy.conversationId,
      )
        ? undefined
        : { ...latest, cardCopies: [...latest.cardCopies, copy] },
    );
  }

  listPending(limit = 50): Promise<StoredRequest[]> {
    return this.deps.repository.inState('pending', limit);
  }

  countPending(): Promise<number> {
    return this.deps.repository.countInState('pending');
  }

  /** Requests waiting for capacity try again every few minutes (and after each pool import). */
  job(): PeriodicJob {
    return { name: 'address-requests', intervalMs: 5 * 60_000, run: () => this.retryWaitingForCapacity() };
  }

  /** After a pool import (and on each job run): requests waiting for capacity try to allocate again. */
  async retryWaitingForCapacity(): Promise<void> {
    for (const waiting of await this.deps.repository.inState('waiting-for-capacity')) {
      const retried = await this.deps.repository.update(
        waiting.requestId,
        (latest) =>
          latest.state === 'waiting-for-capacity' && !latest.steps.includes('allocate')
            ? withSteps(latest, 'allocate')
            : undefined,
        STARTED_HERE,
      );
      if (retried?.steps.includes('allocate')) await this.deps.work.run(waiting.requestId);
    }
  }

  /**
   * Pending requests whose approval card never reached anyone are delivered again: all of them right after
   * `setup approvals`, or those `approverId` decides when that person first installs the app or writes to
   * the bot (a personal chat with them is known from then on).
   */
  async redeliverUndelivered(approverId?: string): Promise<number> {
    let queued = 0;
    for (const request of await this.deps.repository.inState('pending')) {
      if (request.delivery !== 'undelivered') continue;
      if (approverId && !isApprover(request, approverId)) continue;
      const updated = await this.deps.repository.update(
        request.requestId,
        (latest) =>
          latest.state === 'pending' &&
          latest.delivery === 'undelivered' &&
          !latest.steps.includes('deliver-approval')
            ? withSteps(latest, 'deliver-approval')
            : undefined,
        STARTED_HERE,
      );
      if (updated?.steps.includes('deliver-approval')) {
        queued++;
        this.carryOut(request.requestId);
      }
    }
    return queued;
  }
}
