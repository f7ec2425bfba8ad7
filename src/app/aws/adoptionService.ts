import { randomBytes } from 'node:crypto';
import { checkedAccountId } from '../../domain/addressChanges';
import type { AddressRecord } from '../../domain/addressRecords';
import type { AddressRequest, Environment, RequestContact } from '../../domain/addressRequests';
import { isValidRootEmail, normalizeAddress } from '../../domain/addressRules';
import {
  accepting,
  Adoption,
  codeAccepted,
  codeLost,
  end,
  guessEnvironment,
  isOpenAdoption,
  newAdoption,
  requestAccountName,
  requestPurpose,
  takesCode,
} from '../../domain/adoptions';
import type { Principal } from '../../domain/permissions';
import { adoptionStart } from '../../domain/reconciliation';
import type { Logger } from '../../log/logger';
import { AwsAccountsError, AwsAccountsPort, PrimaryEmailUpdateRejectedError } from '../../ports/awsAccounts';
import type { PostedMessage } from '../../ports/chat';
import type { Clock } from '../../ports/clock';
import type { AddressRegistry } from '../addresses/addressRegistry';
import type { AuditLog } from '../auditLog';
import type { BackgroundWork } from '../background';
import type { AddressRequestService } from '../requests/addressRequestService';
import type { WorkflowHandle } from '../workflows/workflowRunner';
import { AdoptionRepository, StoredAdoption } from './adoptionRepository';
import { AwsRefusedError, isAwsOutage } from './awsErrors';
import type { EmailChangeCodes } from '../mail/mailRelay';

export interface AdoptionDeps {
  repository: AdoptionRepository;
  /** The adoption workflow as registered with the runner (adoptionWorkflow.ts). */
  work: WorkflowHandle<never>;
  aws: AwsAccountsPort;
  addresses: Pick<AddressRegistry, 'get' | 'byAwsAccountId' | 'linkAwsAccount'>;
  requests: Pick<AddressRequestService, 'submit' | 'carryOut'>;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  background: BackgroundWork;
  /** ADOPTION_CODE_MINUTES: how long an adoption waits for AWS's code mail. */
  codeMinutes: number;
  /** ENVIRONMENTS: what an adoption's request may name. */
  environments: readonly string[];
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

/**
 * Adopting existing AWS accounts: the address through the usual request and approval, then AWS's root
 * e-mail change (StartPrimaryEmailUpdate → the code the relay hands over → AcceptPrimaryEmailUpdate →
 * COMPLETED), then the link. Every change is stored with its pending steps before any side effect; the
 * workflow runner performs the steps (adoptionWorkflow.ts) and resumes them on any instance after a crash.
 * Every step is audited under the adoption's id.
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
      await repository.create(adoptionId, adoption, { startedHere: true }); // carryOut follows the answer
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
      await this.deps.work.run(adoptionId);
    });
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
    await repository.update(
      adoption.adoptionId,
      (latest) =>
        latest.state === 'awaiting-code' && latest.accepting?.mailId === code.mailId
          ? next(latest)
          : undefined,
      { startedHere: true },
    );
    this.deps.work.start(adoption.adoptionId);
    return true;
  }
}
