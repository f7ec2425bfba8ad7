import { randomBytes } from 'node:crypto';
import {
  AddressRequest,
  cancel,
  CardCopy,
  chooseApprovers,
  decide,
  expire,
  markReminded,
  newRequest,
  Outcome,
  Person,
  RequestContact,
  RequestInput,
  timerDue,
  withSteps,
} from '../../domain/addressRequests';
import type { Logger } from '../../log/logger';
import type { Clock } from '../../ports/clock';
import type { DirectoryPort, DirectoryUser } from '../../ports/directory';
import type { AuditLog } from '../auditLog';
import { RequestRepository, StoredRequest } from './requestRepository';
import type { RequestWork } from './requestWork';

export interface AddressRequestDeps {
  repository: RequestRepository;
  work: RequestWork;
  directory: DirectoryPort;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  approverIds: readonly string[];
  timers: { reminderHours: number; expiryHours: number };
  /** Tests only: leave the work after a state change to the resume step, as a crash right then would. */
  runWorkInline?: boolean;
}

export type SubmitResult =
  | { kind: 'created'; request: AddressRequest }
  | { kind: 'duplicate'; existing: AddressRequest }
  | { kind: 'no-approver'; reason: string };

export type DecisionResult =
  | { kind: 'decided'; request: AddressRequest }
  | { kind: 'already-decided'; request: AddressRequest }
  | { kind: 'refused'; reason: 'own-request' | 'not-approver'; request: AddressRequest }
  | { kind: 'not-found' };

/**
 * The request use cases: ask, decide, cancel, and the timers. Every state change is stored (with its
 * pending steps) before any side effect; RequestWork then carries the steps out.
 */
export class AddressRequestService {
  constructor(private readonly deps: AddressRequestDeps) {}

  get(requestId: string): Promise<StoredRequest | undefined> {
    return this.deps.repository.get(requestId);
  }

  async submit(
    input: RequestInput,
    requester: Person,
    origin: AddressRequest['origin'],
    contact?: RequestContact,
    /** The form the requester filled in, which becomes their copy of the status card. */
    formCopy?: CardCopy,
  ): Promise<SubmitResult> {
    const { repository, audit, clock, timers } = this.deps;
    const manager = await this.managerOf(requester.id);
    const choice = chooseApprovers(requester.id, manager.person, await this.approverGroup(), manager.unknown);
    if ('refusal' in choice) return { kind: 'no-approver', reason: choice.refusal };

    const requestId = `req-${randomBytes(4).toString('hex')}`;
    const holder = await repository.reserveName(input.accountName, requestId);
    if (holder) return { kind: 'duplicate', existing: holder };
    const fresh = newRequest({
      requestId,
      input,
      requester,
      origin,
      contact,
      approvers: choice.approvers,
      approverSource: choice.source,
      now: clock.now(),
      reminderHours: timers.reminderHours,
      expiryHours: timers.expiryHours,
    });
    const request = { ...fresh, cardCopies: formCopy ? [formCopy] : [] };
    try {
      await repository.create(request);
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
    return { kind: 'created', request: (await this.afterChange(requestId)) ?? request };
  }

  async decide(
    requestId: string,
    actor: Person,
    outcome: Outcome,
    comment?: string,
  ): Promise<DecisionResult> {
    const { repository, audit, clock } = this.deps;
    for (;;) {
      const current = await repository.get(requestId);
      if (!current) return { kind: 'not-found' };
      const result = decide(current, actor, outcome, comment, clock.now());
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
      const stored = await repository.tryReplace(current, result.request);
      if (!stored) continue; // another click was stored first: decide again against it
      await audit.record({
        subject: current.requestId,
        action: outcome === 'approved' ? 'request.approved' : 'request.rejected',
        actorId: actor.id,
        actorName: actor.name,
        detail: result.request.decision?.comment,
      });
      return { kind: 'decided', request: (await this.afterChange(requestId)) ?? stored };
    }
  }

  async cancel(
    requestId: string,
    actor: Person,
  ): Promise<{ ok: true; request: AddressRequest } | { ok: false; problem: string }> {
    const { repository, audit, clock } = this.deps;
    let problem = '';
    const stored = await repository.update(requestId, (current) => {
      const result = cancel(current, actor, clock.now());
      if (result.ok) return result.request;
      problem = result.problem;
      return undefined;
    });
    if (!stored) return { ok: false, problem: `There is no request ${requestId}.` };
    if (problem) return { ok: false, problem };
    await audit.record({
      subject: stored.requestId,
      action: 'request.cancelled',
      actorId: actor.id,
      actorName: actor.name,
    });
    return { ok: true, request: (await this.afterChange(requestId)) ?? stored };
  }

  listPending(limit = 50): Promise<StoredRequest[]> {
    return this.deps.repository.inState('pending', limit);
  }

  /**
   * The periodic job: reminders and expiry (each claimed with one etag replace, so with two instances
   * only one wins), requests waiting for capacity, and any work left behind.
   */
  async runPeriodicWork(): Promise<void> {
    const { repository, audit, clock } = this.deps;
    const now = clock.now();
    for (const request of await repository.inState('pending')) {
      const due = timerDue(request, now);
      if (!due) continue;
      const next = due === 'expire' ? expire(request, now) : markReminded(request, now);
      const claimed = await repository.tryReplace(request, next);
      if (!claimed) continue;
      await audit.record({
        subject: request.requestId,
        action: due === 'expire' ? 'request.expired' : 'request.reminded',
        actorId: 'system',
        actorName: 'RootMail',
      });
    }
    await this.retryWaitingForCapacity();
    await this.resumeAll();
  }

  /** After a pool import (and on each job run): requests waiting for capacity try to allocate again. */
  async retryWaitingForCapacity(): Promise<void> {
    for (const waiting of await this.deps.repository.inState('waiting-for-capacity')) {
      await this.deps.repository.update(waiting.requestId, (latest) =>
        latest.state === 'waiting-for-capacity' && !latest.steps.includes('allocate')
          ? withSteps(latest, 'allocate')
          : undefined,
      );
    }
    await this.resumeAll();
  }

  /** Carries out every step left pending (at start, and on each job run). */
  async resumeAll(): Promise<void> {
    for (const request of await this.deps.repository.withPendingWork()) {
      await this.deps.work.run(request.requestId);
    }
  }

  private async afterChange(requestId: string): Promise<StoredRequest | undefined> {
    if (this.deps.runWorkInline === false) return this.deps.repository.get(requestId);
    return this.deps.work.run(requestId);
  }

  private async managerOf(userId: string): Promise<{ person?: Person; unknown: boolean }> {
    try {
      return { person: toPerson(await this.deps.directory.getManager(userId)), unknown: false };
    } catch (err) {
      this.deps.logger.warn({ err }, 'could not ask the directory for a manager; using the approver group');
      return { unknown: true };
    }
  }

  private async approverGroup(): Promise<Person[]> {
    return Promise.all(
      this.deps.approverIds.slice(0, 60).map(async (id) => {
        const user = await this.deps.directory.getUser(id).catch(() => undefined);
        return toPerson(user) ?? { id, name: id };
      }),
    );
  }
}

function toPerson(user: DirectoryUser | undefined): Person | undefined {
  if (!user) return undefined;
  return {
    id: user.id.toLowerCase(),
    name: user.displayName ?? user.userPrincipalName ?? user.id,
    upn: user.userPrincipalName,
  };
}
