import {
  AddressRequest,
  awaitCapacity,
  CardCopy,
  failAllocation,
  fireTimer,
  fulfil,
  WorkStep,
} from '../../domain/addressRequests';
import { describeDelivery, formatTime, requesterNotice } from '../../domain/requestWording';
import { AddressError, PoolExhaustedError } from '../../domain/addressErrors';
import { person, Principal } from '../../domain/permissions';
import type { AddressRecord, Owner } from '../../domain/addressRecords';
import { approvalCard, requestResultCard, requestStatusCard } from '../../cards/requestCards';
import type { Logger } from '../../log/logger';
import {
  ChatPort,
  ConversationRef,
  OutgoingMessage,
  PostedMessage,
  UntrustedServiceUrlError,
} from '../../ports/chat';
import type { Clock } from '../../ports/clock';
import type { AuditLog } from '../auditLog';
import { ApprovalDelivery, withCopies } from '../approvals/approvalDelivery';
import type { ConversationDirectory } from '../conversations';
import { PostsOnce } from '../workflows/postsOnce';
import { StepContext, StepOutcome, Workflow, workflowName } from '../workflows/workflow';
import { REQUEST_WORKFLOW, RequestRepository } from './requestRepository';

/** The address registry as this feature uses it (implemented by the addresses module). */
export interface AddressAllocator {
  allocate(args: {
    accountName: string;
    owner: Owner;
    purpose?: string;
    requestId?: string;
    by: Principal;
  }): Promise<AddressRecord>;
}

export interface RequestWorkflowDeps {
  repository: RequestRepository;
  clock: Clock;
  chat: ChatPort;
  conversations: ConversationDirectory;
  audit: AuditLog;
  logger: Logger;
  allocator: AddressAllocator;
  adminIds: readonly string[];
}

/** What the click that started a run knew: the card copy it was answered on (the others are updated). */
export interface RequestHint {
  answeredActivityId?: string;
}

export const REQUESTS = workflowName<AddressRequest>(REQUEST_WORKFLOW);

/**
 * The request's steps, as a workflow the runner (src/app/workflows/) carries out: it claims each step by
 * etag with a renewed lease, completes it with the change answered here, retries it with backoff, and fires
 * the reminder and expiry timer.
 *
 * Side effects at most once: card changes are updates of known messages (repeating one is harmless); every
 * new message goes through PostsOnce.once, which records it on the request before and after the call,
 * so a step run again after a crash skips what went out and never re-sends what may have (see PostRecord).
 * Where such a message may be missing, a known message carries the same news (the requester's status card).
 */
export class RequestWorkflow implements Workflow<AddressRequest, WorkStep, RequestHint> {
  readonly name = REQUESTS;
  readonly documents: RequestRepository;
  private readonly posts: PostsOnce<AddressRequest>;
  private readonly approvals: ApprovalDelivery;

  readonly timer = {
    fire: fireTimer,
    fired: async (_before: AddressRequest, after: AddressRequest) => {
      await this.deps.audit.record({
        subject: after.requestId,
        action: after.state === 'expired' ? 'request.expired' : 'request.reminded',
        actorId: 'system',
        actorName: 'RootMail',
      });
    },
  };

  constructor(private readonly deps: RequestWorkflowDeps) {
    this.documents = deps.repository;
    this.posts = new PostsOnce(deps.repository, deps.clock, deps.logger);
    this.approvals = new ApprovalDelivery(deps);
  }

  /** Does one step's side effect and answers how the request changes because of it. */
  async perform(
    step: WorkStep,
    request: AddressRequest,
    { hint }: StepContext<RequestHint>,
  ): Promise<StepOutcome<AddressRequest>> {
    const same = (latest: AddressRequest) => latest;
    switch (step) {
      case 'deliver-approval':
        return this.deliverApproval(request);
      case 'update-cards':
        await recordDecision(this.deps.audit, request); // in case a crash cut it off after the decision
        await this.updateCards(request, hint?.answeredActivityId);
        return same;
      case 'allocate':
        return this.allocate(request);
      case 'send-result':
        await this.sendResult(request);
        return same;
      case 'alert-capacity':
        await this.alertAdmins(request);
        return same;
      case 'notify-requester':
        // One notice per state the request reaches (waiting for capacity, then fulfilled or failed …).
        await this.tellRequester(request, `notice:${request.state}`, { text: requesterNotice(request) });
        return same;
      case 'remind-approver':
        return this.remindApprovers(request);
    }
  }

  private async deliverApproval(request: AddressRequest) {
    const { chat } = this.deps;
    const { copies, delivery, approvers } = await this.approvals.deliver({
      subject: request.requestId,
      approvers: request.approvers,
      reach: await this.reach(request),
      postOnce: (key, send) => this.posts.once(request.requestId, key, send),
      approverMessage: { card: approvalCard(request) },
      channelMessage: (withIds) => ({ card: requestStatusCard({ ...request, approvers: withIds }) }),
    });
    const told = { ...request, delivery };
    // The requester's copy never carries Approve / Reject: nobody decides their own request.
    const status = { card: requestStatusCard(told, describeDelivery(told), { decide: false }) };
    const mine = request.cardCopies.find((c) => c.audience === 'requester');
    if (mine) await chat.update(mine, status);
    else {
      const posted = await this.tellRequester(request, 'status:requester', status);
      if (posted) copies.push(copyOf('requester', posted));
    }
    return (latest: AddressRequest): AddressRequest => ({
      ...latest,
      approvers,
      delivery,
      cardCopies: withCopies(latest.cardCopies, copies),
    });
  }

  /** Every copy shows the latest state; a copy that cannot be updated makes the step retry. */
  private updateCards(request: AddressRequest, answeredActivityId: string | undefined): Promise<void> {
    return this.approvals.updateCopies(
      request.cardCopies,
      (copy) => ({ card: requestStatusCard(request, '', { decide: copy.audience !== 'requester' }) }),
      answeredActivityId,
    );
  }

  private async allocate(request: AddressRequest) {
    const { allocator, audit } = this.deps;
    // One address per request, however often this runs (the registry keys it by request id).
    let address: string;
    try {
      const record = await allocator.allocate({
        accountName: request.accountName,
        owner: { id: request.requester.id, name: request.requester.name, upn: request.requester.upn },
        purpose: request.purpose,
        requestId: request.requestId,
        by: person(request.decision?.by.id ?? 'system', request.decision?.by.name ?? 'RootMail'),
      });
      address = record.address;
    } catch (err) {
      if (isRefusedForGood(err)) {
        const problem = (err as Error).message;
        await audit.record({
          subject: request.requestId,
          action: 'request.failed',
          actorId: 'system',
          detail: problem,
        });
        return (latest: AddressRequest) => failAllocation(latest, problem);
      }
      if (!(err instanceof PoolExhaustedError)) throw err;
      await audit.record({
        subject: request.requestId,
        action: 'request.waiting-for-capacity',
        actorId: 'system',
        detail: 'the address pool is empty',
      });
      return (latest: AddressRequest) => awaitCapacity(latest);
    }
    await audit.record(
      {
        subject: request.requestId,
        action: 'request.allocated',
        actorId: request.decision?.by.id ?? 'system',
        actorName: request.decision?.by.name,
        after: { address },
      },
      { once: 'allocated' },
    );
    const allocated = address;
    return (latest: AddressRequest) => fulfil(latest, allocated);
  }

  private async alertAdmins(request: AddressRequest): Promise<void> {
    const { chat, conversations, adminIds, logger } = this.deps;
    const text =
      `The address pool is empty: request ${request.requestId} (${request.accountName}, approved by ` +
      `${request.decision?.by.name}) is waiting for capacity. Import more aliases; it completes by itself afterwards.`;
    const reach = await this.reach(request);
    let told = 0;
    for (const adminId of adminIds.slice(0, 10)) {
      if (!reach) break;
      const outcome = await this.posts.once(request.requestId, `capacity:${adminId}`, () =>
        chat.postToUser(
          { aadObjectId: adminId, tenantId: reach.tenantId ?? '', serviceUrl: reach.serviceUrl },
          { text },
        ),
      );
      if (outcome.kind === 'refused')
        logger.info({ err: outcome.error }, 'capacity alert could not reach an admin in a personal chat');
      else told++;
    }
    if (told > 0) return;
    const oncall = await conversations.channelFor('oncall');
    if (!oncall) throw new Error('no admin reachable and no on-call channel set up for the capacity alert');
    const outcome = await this.posts.once(request.requestId, 'capacity:channel', () =>
      chat.postToChannel(oncall.reference, { text }),
    );
    if (outcome.kind === 'refused') throw outcome.error;
  }

  /** The reminder carries the card again; its copies are kept so the decision updates them too. */
  private async remindApprovers(request: AddressRequest) {
    const { chat, conversations, logger } = this.deps;
    const text =
      `Reminder: ${request.requester.name}'s request ${request.requestId} for ${request.accountName} is waiting ` +
      `for your decision; it expires at ${formatTime(request.expiresAt)}.`;
    const reach = await this.reach(request);
    const copies: CardCopy[] = [];
    let reached = 0;
    const round = `reminder:${request.remindedAt ?? ''}`;
    if (request.delivery === 'personal' && reach) {
      for (const approver of request.approvers.slice(0, 10)) {
        const outcome = await this.posts.once(request.requestId, `${round}:${approver.id}`, () =>
          chat.postToUser(
            { aadObjectId: approver.id, tenantId: reach.tenantId ?? '', serviceUrl: reach.serviceUrl },
            { text, card: approvalCard(request) },
          ),
        );
        if (outcome.kind === 'refused') {
          logger.info({ err: outcome.error }, 'a reminder could not reach an approver in a personal chat');
          continue;
        }
        reached++;
        if (outcome.kind === 'sent') copies.push(copyOf('approver', outcome.posted));
      }
    }
    if (reached === 0) {
      const channel = await conversations.channelFor('approvals');
      if (channel) {
        const outcome = await this.posts.once(request.requestId, `${round}:channel`, () =>
          chat.postToChannel(channel.reference, { text, card: requestStatusCard(request) }),
        );
        if (outcome.kind === 'refused') throw outcome.error;
        if (outcome.kind === 'sent') copies.push(copyOf('channel', outcome.posted));
      }
    }
    return (latest: AddressRequest): AddressRequest => ({
      ...latest,
      cardCopies: withCopies(latest.cardCopies, copies),
    });
  }

  /**
   * The address, to the requester: a new message (it should reach them as news). Should that message be
   * lost in a crash (it is never sent twice), the status cards they already have show the result instead.
   */
  private async sendResult(request: AddressRequest): Promise<void> {
    const result = { card: requestResultCard(request) };
    const posted = await this.tellRequester(request, 'result', result);
    if (posted) return;
    const mine = request.cardCopies.filter((c) => c.audience === 'requester');
    for (const copy of mine) await this.deps.chat.update(copy, result);
  }

  /**
   * Posts to the requester where they asked, else in their personal chat, at most once per `key`. Answers
   * where it went; undefined when they cannot be reached there, or when an earlier attempt may or may not
   * have reached them (it is not sent again). Throws when Teams is down (the step is retried).
   */
  private async tellRequester(
    request: AddressRequest,
    key: string,
    message: OutgoingMessage,
  ): Promise<PostedMessage | undefined> {
    const where =
      (request.contact?.conversation as ConversationRef | undefined) ??
      (await this.deps.conversations.personalChatOf(request.requester.id))?.reference;
    if (!where) return undefined;
    const outcome = await this.posts.once(request.requestId, key, () => this.deps.chat.post(where, message));
    if (outcome.kind === 'sent') return outcome.posted;
    if (outcome.kind === 'unknown') return undefined;
    const status = (outcome.error as { statusCode?: number })?.statusCode;
    if (outcome.error instanceof UntrustedServiceUrlError || status === 403 || status === 404) {
      this.deps.logger.warn(
        { err: outcome.error, requestId: request.requestId },
        'the requester is not reachable there',
      );
      return undefined;
    }
    throw outcome.error;
  }

  private async reach(
    request: AddressRequest,
  ): Promise<{ serviceUrl: string; tenantId?: string } | undefined> {
    if (request.contact?.serviceUrl)
      return { serviceUrl: request.contact.serviceUrl, tenantId: request.contact.tenantId };
    return this.deps.conversations.anyServiceUrl();
  }
}

/**
 * The decision's audit event, once per request: written right after the decision is stored, and again (a
 * no-op then) by the step that follows it, in case a crash fell between the two.
 */
export async function recordDecision(audit: AuditLog, request: AddressRequest): Promise<void> {
  const { decision } = request;
  if (!decision) return;
  await audit.record(
    {
      subject: request.requestId,
      action: decision.outcome === 'approved' ? 'request.approved' : 'request.rejected',
      actorId: decision.by.id,
      actorName: decision.by.name,
      detail: decision.comment,
      at: decision.at,
    },
    { once: 'decision' },
  );
}

/** The address service's own input and conflict errors (4xx) will not change by retrying. */
function isRefusedForGood(err: unknown): boolean {
  const status = (err as { status?: unknown })?.status;
  return err instanceof AddressError && typeof status === 'number' && status >= 400 && status < 500;
}

function copyOf(audience: CardCopy['audience'], posted: PostedMessage): CardCopy {
  return { audience, ...posted };
}
