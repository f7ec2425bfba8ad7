import { awsAdoptionCard } from '../../cards/awsCards';
import { AddressError } from '../../domain/addressErrors';
import type { AddressRequest, CardCopy } from '../../domain/addressRequests';
import {
  acceptingNow,
  Adoption,
  AdoptionStep,
  afterRequest,
  awaitedRequest,
  changeCompleted,
  codeAccepted,
  codeLost,
  codeRequested,
  end,
  fireAdoptionTimer,
  linked,
  requestOutcome,
} from '../../domain/adoptions';
import type { Principal } from '../../domain/permissions';
import { withSteps } from '../../domain/workflowSteps';
import type { Logger } from '../../log/logger';
import { AwsAccountsError, AwsAccountsPort } from '../../ports/awsAccounts';
import type { ChatPort, ConversationRef, OutgoingMessage, PostedMessage } from '../../ports/chat';
import type { Clock } from '../../ports/clock';
import type { AddressRegistry } from '../addresses/addressRegistry';
import type { AuditLog } from '../auditLog';
import type { ConversationDirectory } from '../conversations';
import { sendToUser } from '../personalChats';
import { REQUESTS } from '../requests/requestWorkflow';
import { PostsOnce } from '../workflows/postsOnce';
import { NotYetError, StepOutcome, waitFor, Workflow, workflowName } from '../workflows/workflow';
import { ADOPTION_WORKFLOW, AdoptionRepository } from './adoptionRepository';
import { isAwsOutage } from './awsErrors';

export interface AdoptionWorkflowDeps {
  repository: AdoptionRepository;
  aws: AwsAccountsPort;
  addresses: Pick<AddressRegistry, 'get' | 'linkAwsAccount' | 'retire'>;
  chat: ChatPort;
  conversations: ConversationDirectory;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  /** ADOPTION_CODE_MINUTES: how long an adoption waits for AWS's code mail. */
  codeMinutes: number;
  /** Waits between polls of the change's status after the code was accepted (then a retry goes on). */
  statusPollDelaysMs?: readonly number[];
}

export const ADOPTIONS = workflowName<Adoption>(ADOPTION_WORKFLOW);
const DEFAULT_POLL_DELAYS_MS = [0, 250, 1_000, 3_000];

/**
 * An adoption's steps, as a workflow the runner (src/app/workflows/) carries out: it waits for its address
 * request (a declared wait: the runner wakes it when the request changes), asks AWS to change the root
 * e-mail, follows the change to COMPLETED and links the record; its timer is the deadline for the code (and
 * the hold of a code being used). Every step is audited under the adoption's id.
 */
export class AdoptionWorkflow implements Workflow<Adoption, AdoptionStep> {
  readonly name = ADOPTIONS;
  readonly documents: AdoptionRepository;

  readonly timer = {
    fire: (adoption: Adoption, now: Date) => fireAdoptionTimer(adoption, now, this.deps.codeMinutes),
    fired: async (_before: Adoption, after: Adoption) => {
      if (after.state !== 'ended') return; // an interrupted code: recover-accept follows
      await this.audit(after, 'adoption.timed-out', after.ended?.problem);
    },
  };

  readonly waitsFor = waitFor<Adoption, AddressRequest>({
    workflow: REQUESTS,
    on: awaitedRequest,
    resume: (adoption, request, now) =>
      request && afterRequest(adoption, requestOutcome(request), now, this.deps.codeMinutes),
    resumed: async (_before, after) =>
      after.state === 'ended'
        ? this.audit(after, 'adoption.ended', after.ended?.problem)
        : this.audit(after, 'adoption.address-given', `address ${after.address}`),
  });

  private readonly posts: PostsOnce<Adoption>;

  constructor(private readonly deps: AdoptionWorkflowDeps) {
    this.documents = deps.repository;
    this.posts = new PostsOnce(deps.repository, deps.clock, deps.logger);
  }

  private async audit(adoption: Adoption, action: string, detail?: string): Promise<void> {
    await this.deps.audit.record({
      subject: adoption.adoptionId,
      action,
      actorId: 'adoption',
      actorName: 'RootMail',
      detail,
    });
  }

  /** Does one step's side effect and answers how the adoption changes because of it. */
  async perform(step: AdoptionStep, adoption: Adoption): Promise<StepOutcome<Adoption>> {
    const same = (latest: Adoption) => latest;
    switch (step) {
      case 'recover-accept':
        return this.recoverAccept(adoption);
      case 'post-oncall': {
        const channel = await this.deps.conversations.channelFor('oncall');
        if (!channel) {
          this.deps.logger.warn(
            { adoptionId: adoption.adoptionId },
            'no on-call channel to show the adoption in',
          );
          return same;
        }
        const outcome = await this.postOnce(adoption, 'oncall', () =>
          this.deps.chat.postToChannel(channel.reference, { card: awsAdoptionCard(adoption) }),
        );
        if (!outcome) return same; // perhaps posted by a run a crash cut off: not posted again
        const copy: CardCopy = { audience: 'channel', ...outcome };
        return (latest) =>
          latest.cardCopies.some((c) => c.activityId === copy.activityId)
            ? latest
            : { ...latest, cardCopies: [...latest.cardCopies, copy] };
      }
      case 'update-cards':
        await this.updateCards(adoption);
        return same;
      case 'start-update':
        return this.startUpdate(adoption);
      case 'confirm':
        return this.confirm(adoption);
      case 'link':
        return this.link(adoption);
      case 'quarantine':
        await this.quarantine(adoption);
        return same;
      case 'tell':
        await this.tell(adoption);
        return same;
    }
  }

  private async updateCards(adoption: Adoption): Promise<void> {
    const failures: unknown[] = [];
    for (const copy of adoption.cardCopies)
      await this.deps.chat
        .update(copy, { card: awsAdoptionCard(adoption) })
        .catch((err) => failures.push(err));
    if (failures.length) throw failures[0];
  }

  private async startUpdate(adoption: Adoption): Promise<(latest: Adoption) => Adoption> {
    const { aws, repository, audit, clock, codeMinutes } = this.deps;
    const address = adoption.address!;
    // The alias is keyed before AWS is asked: the code mail may come before AWS has even answered.
    await repository.keyAlias(address, adoption.adoptionId);
    try {
      await aws.startPrimaryEmailUpdate(adoption.accountId, address);
    } catch (err) {
      if (!(err instanceof AwsAccountsError) || isAwsOutage(err)) throw err; // retried until the deadline
      await audit.record({
        subject: adoption.adoptionId,
        action: 'adoption.refused-by-aws',
        actorId: 'adoption',
        actorName: 'RootMail',
        detail: err.message,
      });
      return (latest) => end(latest, 'aws-refused', err.message, clock.now());
    }
    await audit.record({
      subject: adoption.adoptionId,
      action: 'adoption.code-requested',
      actorId: 'adoption',
      actorName: 'RootMail',
      detail: `StartPrimaryEmailUpdate: AWS mails a one-time code to ${address}`,
    });
    return (latest) =>
      latest.state === 'awaiting-code'
        ? withSteps(codeRequested(latest, clock.now(), codeMinutes), 'update-cards')
        : { ...latest, codeRequestedAt: latest.codeRequestedAt ?? clock.now().toISOString() };
  }

  /**
   * A code was being used when its holder stopped (a crash): AWS's status says whether it was accepted; if
   * not, the code is lost and a new one is asked for. A code being used right now is left alone.
   */
  private async recoverAccept(adoption: Adoption): Promise<StepOutcome<Adoption>> {
    const { aws, clock, codeMinutes } = this.deps;
    const mailId = adoption.accepting?.mailId;
    if (!mailId || acceptingNow(adoption, clock.now())) return (latest) => latest;
    const { status } = await aws.getPrimaryEmailUpdateStatus(adoption.accountId); // a failure: retried
    const accepted = status === 'ACCEPTED' || status === 'COMPLETED';
    return (latest) => {
      if (latest.state !== 'awaiting-code' || latest.accepting?.mailId !== mailId) return latest;
      return accepted
        ? codeAccepted(latest, mailId, clock.now())
        : codeLost(latest, mailId, clock.now(), codeMinutes);
    };
  }

  /** Follows the change to COMPLETED: a few polls now, then later again. */
  private async confirm(adoption: Adoption): Promise<(latest: Adoption) => Adoption> {
    const { aws, audit, clock } = this.deps;
    for (const delay of this.deps.statusPollDelaysMs ?? DEFAULT_POLL_DELAYS_MS) {
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
      let status: string;
      try {
        status = (await aws.getPrimaryEmailUpdateStatus(adoption.accountId)).status;
      } catch (err) {
        if (!(err instanceof AwsAccountsError) || isAwsOutage(err)) throw err;
        return (latest) => end(latest, 'change-failed', err.message, clock.now());
      }
      if (status === 'COMPLETED') {
        await audit.record({
          subject: adoption.adoptionId,
          action: 'adoption.change-completed',
          actorId: 'adoption',
          actorName: 'RootMail',
          detail: `AWS reports the root e-mail of ${adoption.accountId} changed to ${adoption.address}`,
        });
        return (latest) => changeCompleted(latest);
      }
      if (status === 'FAILED')
        return (latest) =>
          end(latest, 'change-failed', 'AWS reports the root e-mail change as FAILED.', clock.now());
    }
    throw new NotYetError('AWS has not completed the root e-mail change yet; it is looked at again later');
  }

  private async link(adoption: Adoption): Promise<(latest: Adoption) => Adoption> {
    const { addresses, audit, clock } = this.deps;
    const address = adoption.address!;
    try {
      await addresses.linkAwsAccount(address, adoption.accountId, actorFor(adoption));
    } catch (err) {
      if (!(err instanceof AddressError) || err.status >= 500) throw err;
      const problem = `AWS moved the root e-mail to ${address}, but the registry refused the link: ${err.message} Link it by hand with \`link ${address} ${adoption.accountId}\`.`;
      return (latest) => end(latest, 'link-failed', problem, clock.now());
    }
    await audit.record({
      subject: adoption.adoptionId,
      action: 'adoption.linked',
      actorId: 'adoption',
      actorName: 'RootMail',
      detail: `${address} linked to AWS account ${adoption.accountId}`,
    });
    return (latest) => linked(latest, clock.now());
  }

  /** The alias handed out for the adoption goes back to quarantine (only while it is still the adoption's). */
  private async quarantine(adoption: Adoption): Promise<void> {
    const { addresses, audit } = this.deps;
    const record = await addresses.get(adoption.address!);
    if (record?.state !== 'assigned' || record.requestId !== adoption.requestId) return;
    try {
      await addresses.retire(
        record.address,
        `adoption ${adoption.adoptionId} ended: ${adoption.ended?.reason ?? 'ended'}`,
        actorFor(adoption),
      );
    } catch (err) {
      if (!(err instanceof AddressError) || err.status >= 500) throw err;
      return; // retired meanwhile
    }
    await audit.record({
      subject: adoption.adoptionId,
      action: 'adoption.address-quarantined',
      actorId: 'adoption',
      actorName: 'RootMail',
      detail: record.address,
    });
  }

  /** The end of the story, as new messages (each at most once): the requester and on-call are told (cards). */
  private async tell(adoption: Adoption): Promise<void> {
    const { chat, conversations } = this.deps;
    const message: OutgoingMessage = { card: awsAdoptionCard(adoption, closingNote(adoption)) };
    const requesterConversation = adoption.contact?.conversation as ConversationRef | undefined;
    if (requesterConversation)
      await this.postOnce(adoption, `tell:requester:${adoption.state}`, () =>
        chat.post(requesterConversation, message),
      );
    else
      await this.postOnce(adoption, `tell:requester:${adoption.state}`, () =>
        sendToUser({ chat, conversations }, adoption.requester.id, adoption.contact ?? {}, message),
      ).catch((err) =>
        this.deps.logger.info(
          { err, adoptionId: adoption.adoptionId },
          'could not tell the requester in a personal chat',
        ),
      );
    const channelCopy = adoption.cardCopies.find((c) => c.audience === 'channel');
    const oncall = await conversations.channelFor('oncall');
    const toChannel = `tell:oncall:${adoption.state}`;
    if (channelCopy && channelCopy.conversationId !== requesterConversation?.conversation?.id)
      await this.postOnce(adoption, toChannel, () =>
        chat.post(
          {
            channelId: 'msteams',
            serviceUrl: channelCopy.serviceUrl,
            conversation: { id: channelCopy.conversationId },
          },
          message,
        ),
      );
    else if (oncall && !channelCopy)
      await this.postOnce(adoption, toChannel, () => chat.postToChannel(oncall.reference, message));
  }

  /**
   * A new message at most once (recorded on the adoption before and after the call): where it went, or
   * undefined when an earlier run may have sent it. Throws when Teams refused it (the step is retried).
   */
  private async postOnce(
    adoption: Adoption,
    key: string,
    send: () => Promise<PostedMessage>,
  ): Promise<PostedMessage | undefined> {
    const outcome = await this.posts.once(adoption.adoptionId, key, send);
    if (outcome.kind === 'refused') throw outcome.error;
    return outcome.kind === 'sent' ? outcome.posted : undefined;
  }
}

/** Who changes the records on the adoption's behalf, as the audit shows it. */
function actorFor(adoption: Adoption): Principal {
  return {
    id: 'adoption',
    name: `adoption ${adoption.adoptionId}`,
    admin: true,
    reader: true,
    allocator: false,
  };
}

function closingNote(adoption: Adoption): string {
  if (adoption.state === 'linked')
    return `Done: AWS account ${adoption.accountId} now has ${adoption.address} as its root e-mail, and the registry links them. Mail AWS sends to it reaches the on-call channel.`;
  const what =
    adoption.ended?.reason === 'request-closed'
      ? 'Nothing was changed in AWS.'
      : adoption.ended?.reason === 'link-failed'
        ? 'AWS made the change; only the link in the registry is missing.'
        : 'The account keeps its old root e-mail.';
  return `${what} See \`audit ${adoption.adoptionId}\` for every step.`;
}
