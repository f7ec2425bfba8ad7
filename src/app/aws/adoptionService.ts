import { randomBytes } from 'node:crypto';
import { awsAdoptionCard } from '../../cards/awsCards';
import { AddressError } from '../../domain/addressErrors';
import { checkedAccountId } from '../../domain/addressChanges';
import type { AddressRecord } from '../../domain/addressRecords';
import type { AddressRequest, CardCopy, Environment, RequestContact } from '../../domain/addressRequests';
import { isValidRootEmail, normalizeAddress } from '../../domain/addressRules';
import {
  accepting,
  acceptingNow,
  Adoption,
  AdoptionStep,
  afterRequest,
  changeCompleted,
  codeAccepted,
  codeLost,
  codeRequested,
  completeStep,
  end,
  guessEnvironment,
  isOpenAdoption,
  linked,
  newAdoption,
  nextFreeStep,
  requestAccountName,
  requestPurpose,
  RequestOutcome,
  takesCode,
  timedOut,
  timerDue,
  withSteps,
} from '../../domain/adoptions';
import type { Principal } from '../../domain/permissions';
import { adoptionStart } from '../../domain/reconciliation';
import { describeState } from '../../domain/requestWording';
import type { Logger } from '../../log/logger';
import { AwsAccountsError, AwsAccountsPort, PrimaryEmailUpdateRejectedError } from '../../ports/awsAccounts';
import type { ChatPort, ConversationRef, OutgoingMessage, PostedMessage } from '../../ports/chat';
import type { Clock } from '../../ports/clock';
import type { AddressRegistry } from '../addresses/addressRegistry';
import type { AuditLog } from '../auditLog';
import type { BackgroundWork } from '../background';
import type { ConversationDirectory } from '../conversations';
import type { PeriodicJob } from '../jobs';
import { sendToUser } from '../personalChats';
import type { AddressRequestService } from '../requests/addressRequestService';
import { AdoptionRepository, StoredAdoption } from './adoptionRepository';
import { AwsRefusedError, isAwsOutage } from './awsErrors';
import type { EmailChangeCodes } from '../mail/mailRelay';

export interface AdoptionDeps {
  repository: AdoptionRepository;
  aws: AwsAccountsPort;
  addresses: Pick<AddressRegistry, 'get' | 'byAwsAccountId' | 'linkAwsAccount' | 'retire'>;
  requests: Pick<AddressRequestService, 'submit' | 'carryOut' | 'get'>;
  chat: ChatPort;
  conversations: ConversationDirectory;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  background: BackgroundWork;
  /** ADOPTION_CODE_MINUTES: how long an adoption waits for AWS's code mail. */
  codeMinutes: number;
  /** ENVIRONMENTS: what an adoption's request may name. */
  environments: readonly string[];
  /** Waits between polls of the change's status after the code was accepted (then the job goes on). */
  statusPollDelaysMs?: readonly number[];
}

export interface StartInput {
  accountId: string;
  by: Principal;
  origin: AddressRequest['origin'];
  contact?: RequestContact;
  environment?: Environment;
}

export type StartResult =
  /** An address was requested through the usual approval; the change follows once it is given. */
  | { kind: 'started'; adoption: Adoption; request: AddressRequest }
  /** The account's root e-mail was already one of ours: linked at once. */
  | { kind: 'linked'; record: AddressRecord }
  | { kind: 'already-linked'; address: string }
  | { kind: 'in-progress'; adoption: Adoption };

/** How long an instance holds an adoption step it claimed; after a crash the job takes it over. */
export const ADOPTION_STEP_LEASE_MS = 2 * 60_000;
const DEFAULT_POLL_DELAYS_MS = [0, 250, 1_000, 3_000];

class NotCompletedYet extends Error {}

/**
 * Adopting existing AWS accounts: the address through the usual request and approval, then AWS's root
 * e-mail change (StartPrimaryEmailUpdate → the code the relay hands over → AcceptPrimaryEmailUpdate →
 * COMPLETED), then the link. Every change is stored with its pending steps before any side effect; steps
 * are claimed by etag and resumed by the periodic job after a crash. Every step is audited under the
 * adoption's id.
 */
export class AdoptionService implements EmailChangeCodes {
  constructor(private readonly deps: AdoptionDeps) {}

  get(adoptionId: string): Promise<StoredAdoption | undefined> {
    return this.deps.repository.get(adoptionId);
  }

  countOpen(): Promise<number> {
    return this.deps.repository.countOpen();
  }

  /** `adopt <id>`, the Adopt button and POST /api/v1/adoptions. Refusals throw an AwsRefusedError. */
  async start(input: StartInput): Promise<StartResult> {
    const { aws, addresses, repository, requests, audit, clock } = this.deps;
    const accountId = checkedAccountId(input.accountId);
    const account = await aws.describeAccount(accountId);
    const email = normalizeAddress(account.email);
    const [recordForEmail, recordForAccount] = await Promise.all([
      isValidRootEmail(email) ? addresses.get(email) : Promise.resolve(undefined),
      addresses.byAwsAccountId(accountId),
    ]);
    const decision = adoptionStart(account, recordForEmail, recordForAccount);
    if (decision.kind === 'refused') throw new AwsRefusedError(decision.reason);
    if (decision.kind === 'already-linked') return decision;
    if (decision.kind === 'link') {
      const record = await addresses.linkAwsAccount(decision.address, accountId, input.by);
      await audit.record({
        subject: `aws:${accountId}`,
        action: 'adoption.linked-directly',
        actorId: input.by.id,
        actorName: input.by.name,
        detail: `its root e-mail ${decision.address} is already one of ours`,
      });
      return { kind: 'linked', record };
    }

    const adoptionId = `adp-${randomBytes(4).toString('hex')}`;
    const holder = await repository.reserveAccount(accountId, adoptionId);
    if (holder) return { kind: 'in-progress', adoption: holder };
    try {
      const environment = input.environment ?? guessEnvironment(account.name, this.deps.environments);
      if (!environment)
        throw new AwsRefusedError(
          `The name of AWS account ${accountId} states none of the environments (${this.deps.environments.join(', ')}): name one, e.g. adopt ${accountId} ${this.deps.environments[0]}.`,
        );
      const submitted = await requests.submit(
        {
          accountName: requestAccountName(account),
          environment,
          purpose: requestPurpose(account),
          adoptsAccountId: accountId,
        },
        input.by,
        input.origin,
        input.contact,
      );
      if (submitted.kind === 'duplicate')
        throw new AwsRefusedError(
          `There is already an open request for the account name ${submitted.existing.accountName} (${submitted.existing.requestId}); wait for it or cancel it, then adopt again.`,
        );
      if (submitted.kind === 'account-has-address') throw new AwsRefusedError(submitted.problem);
      if (submitted.kind === 'no-approver') throw new AwsRefusedError(submitted.reason);
      const adoption = newAdoption({
        adoptionId,
        account,
        requester: { id: input.by.id, name: input.by.name },
        contact: input.contact,
        requestId: submitted.request.requestId,
        now: clock.now(),
      });
      await repository.keyRequest(adoption.requestId, adoptionId);
      await repository.create(adoption);
      await audit.record({
        subject: adoptionId,
        action: 'adoption.started',
        actorId: input.by.id,
        actorName: input.by.name,
        after: { accountId, accountName: account.name, previousEmail: account.email },
        detail: `address request ${adoption.requestId}`,
      });
      return { kind: 'started', adoption, request: submitted.request };
    } catch (err) {
      await repository.releaseAccount(accountId, adoptionId);
      throw err;
    }
  }

  /**
   * After the person who started it has their answer: keeps their copy of the adoption card, sends the
   * approval card of its request, and posts the adoption to on-call (tracked background work).
   */
  carryOut(adoptionId: string, options: { requesterCopy?: PostedMessage } = {}): void {
    this.deps.background.run(`adoption ${adoptionId}`, async () => {
      const copy = options.requesterCopy;
      const adoption = copy
        ? await this.deps.repository.update(adoptionId, (latest) => ({
            ...latest,
            cardCopies: [...latest.cardCopies, { audience: 'requester', ...copy }],
          }))
        : await this.deps.repository.get(adoptionId);
      if (!adoption) return;
      this.deps.requests.carryOut(adoption.requestId);
      await this.work(adoptionId);
    });
  }

  /** A request's steps ran: an adoption waiting for it gets its address (or ends). */
  async onRequestWorkDone(request: AddressRequest): Promise<void> {
    if (!request.adoptsAccountId) return;
    const adoption = await this.deps.repository.byRequest(request.requestId);
    if (!adoption) return;
    await this.applyRequest(adoption, request);
  }

  private async applyRequest(adoption: Adoption, request: AddressRequest): Promise<void> {
    const { repository, clock, codeMinutes, audit } = this.deps;
    const outcome = outcomeOf(request);
    const now = clock.now();
    if (!afterRequest(adoption, outcome, now, codeMinutes)) return;
    const updated = await repository.update(adoption.adoptionId, (latest) =>
      afterRequest(latest, outcome, clock.now(), codeMinutes),
    );
    if (!updated || updated.state === 'awaiting-approval') return;
    await audit.record({
      subject: adoption.adoptionId,
      action: updated.state === 'ended' ? 'adoption.ended' : 'adoption.address-given',
      actorId: 'adoption',
      actorName: 'RootMail',
      detail: updated.state === 'ended' ? updated.ended?.problem : `address ${updated.address}`,
    });
    await this.work(adoption.adoptionId);
  }

  /**
   * The relay hands over a root-e-mail-change code for one of our addresses. Used at once with
   * AcceptPrimaryEmailUpdate and then forgotten: it is never stored, logged, posted or audited.
   */
  async take(code: { address: string; code: string; mailId: string; receivedAt: string }): Promise<boolean> {
    const { repository, clock, audit, aws, codeMinutes } = this.deps;
    const alias = code.address.toLowerCase();
    const adoption = await repository.byAlias(alias);
    if (!adoption) return false;
    const held =
      takesCode(adoption, alias, clock.now()) &&
      (await repository.tryReplace(adoption, accepting(adoption, code.mailId, clock.now())));
    // The same mail again (a relay redone after a crash) was taken already; another code mail for an open
    // adoption is not to be posted either. A code for an alias whose adoption is over is posted as any code.
    if (!held && adoption.codeMailId === code.mailId) return true;
    if (!held && !isOpenAdoption(adoption.state)) return false;
    if (!held) {
      // Another code for the same change is being used, or it was used already: not to be posted either.
      await audit.record({
        subject: adoption.adoptionId,
        action: 'adoption.code-ignored',
        actorId: 'adoption',
        actorName: 'RootMail',
        detail: `mail ${code.mailId}: the adoption is ${adoption.state} and no longer waiting for a code`,
      });
      return true;
    }
    await audit.record({
      subject: adoption.adoptionId,
      action: 'adoption.code-received',
      actorId: 'adoption',
      actorName: 'RootMail',
      detail: `mail ${code.mailId}, received ${code.receivedAt}`,
    });
    let next: (latest: Adoption) => Adoption;
    try {
      await aws.acceptPrimaryEmailUpdate(adoption.accountId, code.code, alias);
      await audit.record({
        subject: adoption.adoptionId,
        action: 'adoption.code-accepted',
        actorId: 'adoption',
        actorName: 'RootMail',
      });
      next = (latest) => codeAccepted(latest, code.mailId, clock.now());
    } catch (err) {
      const refused = err instanceof AwsAccountsError && !isAwsOutage(err);
      this.deps.logger.warn(
        { adoptionId: adoption.adoptionId, error: (err as Error).name, refused },
        'AWS did not accept the root e-mail change code',
      );
      await audit.record({
        subject: adoption.adoptionId,
        action: refused ? 'adoption.code-rejected' : 'adoption.code-lost',
        actorId: 'adoption',
        actorName: 'RootMail',
        detail: refused ? (err as Error).message : 'AWS could not be reached; a new code is asked for',
      });
      next = refused
        ? (latest) =>
            end(
              latest,
              err instanceof PrimaryEmailUpdateRejectedError ? 'code-rejected' : 'aws-refused',
              (err as Error).message,
              clock.now(),
            )
        : (latest) => codeLost(latest, code.mailId, clock.now(), codeMinutes);
    }
    await repository.update(adoption.adoptionId, (latest) =>
      latest.state === 'awaiting-code' && latest.accepting?.mailId === code.mailId ? next(latest) : undefined,
    );
    this.deps.background.run(`adoption ${adoption.adoptionId}`, () => this.work(adoption.adoptionId));
    return true;
  }

  /** The periodic job: deadlines, requests decided while no one listened, interrupted accepts, work left. */
  async runPeriodicWork(): Promise<void> {
    const { repository, clock, codeMinutes, audit, requests } = this.deps;
    for (const adoption of await repository.inState('awaiting-code')) {
      const now = clock.now();
      if (adoption.accepting && !acceptingNow(adoption, now)) {
        await this.recoverAccept(adoption);
        continue;
      }
      if (!timerDue(adoption, now)) continue;
      const ended = await repository.tryReplace(adoption, timedOut(adoption, now, codeMinutes));
      if (!ended) continue;
      await audit.record({
        subject: adoption.adoptionId,
        action: 'adoption.timed-out',
        actorId: 'adoption',
        actorName: 'RootMail',
        detail: ended.ended?.problem,
      });
    }
    for (const adoption of await repository.inState('awaiting-approval')) {
      const request = await requests.get(adoption.requestId);
      if (request) await this.applyRequest(adoption, request);
    }
    await this.resumeAll();
  }

  async resumeAll(): Promise<void> {
    for (const adoption of await this.deps.repository.withPendingWork()) await this.work(adoption.adoptionId);
  }

  job(): PeriodicJob {
    return { name: 'aws-adoptions', intervalMs: 60_000, run: () => this.runPeriodicWork() };
  }

  /**
   * A crash while a code was being used: AWS's status says whether it was accepted; if not, the code is
   * lost and a new one is asked for.
   */
  private async recoverAccept(adoption: StoredAdoption): Promise<void> {
    const { aws, repository, clock, codeMinutes } = this.deps;
    let status: string;
    try {
      status = (await aws.getPrimaryEmailUpdateStatus(adoption.accountId)).status;
    } catch (err) {
      this.deps.logger.warn(
        { err, adoptionId: adoption.adoptionId },
        'could not ask AWS about an interrupted code',
      );
      return;
    }
    const mailId = adoption.accepting!.mailId;
    const next =
      status === 'ACCEPTED' || status === 'COMPLETED'
        ? codeAccepted(adoption, mailId, clock.now())
        : codeLost(adoption, mailId, clock.now(), codeMinutes);
    if (await repository.tryReplace(adoption, next)) await this.work(adoption.adoptionId);
  }

  /** Runs the adoption's pending steps, each claimed by etag before its side effect. */
  async work(adoptionId: string): Promise<void> {
    const { repository, clock, logger } = this.deps;
    for (let guard = 0; guard < 25; guard++) {
      const current = await repository.get(adoptionId);
      if (!current) return;
      const now = clock.now();
      const step = nextFreeStep(current, now);
      if (!step) return;
      const until = new Date(now.getTime() + ADOPTION_STEP_LEASE_MS).toISOString();
      const claimed = await repository.tryReplace(current, {
        ...current,
        stepClaims: { ...current.stepClaims, [step]: until },
      });
      if (!claimed) continue;
      let outcome: (latest: Adoption) => Adoption;
      try {
        outcome = await this.perform(step, claimed);
      } catch (err) {
        if (err instanceof NotCompletedYet) logger.info({ adoptionId, step }, err.message);
        else logger.warn({ err, adoptionId, step }, 'adoption step failed; the background job retries it');
        continue;
      }
      await repository.update(adoptionId, (latest) => completeStep(outcome(latest), step));
    }
  }

  private async perform(step: AdoptionStep, adoption: Adoption): Promise<(latest: Adoption) => Adoption> {
    const same = (latest: Adoption) => latest;
    switch (step) {
      case 'post-oncall': {
        const channel = await this.deps.conversations.channelFor('oncall');
        if (!channel) {
          this.deps.logger.warn(
            { adoptionId: adoption.adoptionId },
            'no on-call channel to show the adoption in',
          );
          return same;
        }
        const posted = await this.deps.chat.postToChannel(channel.reference, {
          card: awsAdoptionCard(adoption),
        });
        const copy: CardCopy = { audience: 'channel', ...posted };
        return (latest) => ({ ...latest, cardCopies: [...latest.cardCopies, copy] });
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

  /** Follows the change to COMPLETED: a few polls now, then the job looks again. */
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
    throw new NotCompletedYet('AWS has not completed the root e-mail change yet; the job looks again');
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

  /** The end of the story, as new messages: the requester and on-call are told (cards). */
  private async tell(adoption: Adoption): Promise<void> {
    const { chat, conversations } = this.deps;
    const message: OutgoingMessage = { card: awsAdoptionCard(adoption, closingNote(adoption)) };
    const requesterConversation = adoption.contact?.conversation as ConversationRef | undefined;
    if (requesterConversation) await chat.post(requesterConversation, message);
    else
      await sendToUser({ chat, conversations }, adoption.requester.id, adoption.contact ?? {}, message).catch(
        (err) =>
          this.deps.logger.info(
            { err, adoptionId: adoption.adoptionId },
            'could not tell the requester in a personal chat',
          ),
      );
    const channelCopy = adoption.cardCopies.find((c) => c.audience === 'channel');
    const oncall = await conversations.channelFor('oncall');
    if (channelCopy && channelCopy.conversationId !== requesterConversation?.conversation?.id)
      await chat.post(
        {
          channelId: 'msteams',
          serviceUrl: channelCopy.serviceUrl,
          conversation: { id: channelCopy.conversationId },
        },
        message,
      );
    else if (oncall && !channelCopy) await chat.postToChannel(oncall.reference, message);
  }
}

function outcomeOf(request: AddressRequest): RequestOutcome {
  switch (request.state) {
    case 'fulfilled':
      return { state: 'fulfilled', address: request.address };
    case 'rejected':
    case 'cancelled':
    case 'expired':
    case 'failed':
      return { state: 'closed', why: describeState(request) };
    default:
      return { state: request.state };
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
