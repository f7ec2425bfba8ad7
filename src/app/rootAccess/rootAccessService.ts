import { randomBytes } from 'node:crypto';
import { AddressError } from '../../domain/addressErrors';
import type { AddressRecord } from '../../domain/addressRecords';
import {
  isApprover,
  Outcome,
  Person,
  RequestContact,
  withApprovalRedelivery,
} from '../../domain/addressRequests';
import type { Principal } from '../../domain/permissions';
import {
  decideRootAccess,
  endSession,
  handedMail,
  newRootAccess,
  reasonProblem,
  RootAccess,
  RootAccessKind,
  SESSION_LIVE_STATES,
  startSession,
} from '../../domain/rootAccess';
import { accountLabel, describeRootAccess, handedLine } from '../../domain/rootAccessWording';
import { describeRootPosture, rootAccessOff } from '../../domain/rootPosture';
import { formatTime } from '../../domain/timeWording';
import { withSteps } from '../../domain/workflowSteps';
import type { Logger } from '../../log/logger';
import { AwsAccountNotFoundError, AwsAccountsError, AwsAccountsPort } from '../../ports/awsAccounts';
import type { PostedMessage } from '../../ports/chat';
import type { Clock } from '../../ports/clock';
import type { AddressRegistry } from '../addresses/addressRegistry';
import type { ApproverChoice } from '../approvals/approverChoice';
import type { AuditLog } from '../auditLog';
import { fromAws, isAwsOutage } from '../aws/awsErrors';
import type { RootPostures } from '../aws/rootPostures';
import type { BackgroundWork } from '../background';
import type { RootSessionMail } from '../mail/mailRelay';
import type { WorkflowHandle } from '../workflows/workflowRunner';
import { recordRootAccess } from './rootAccessAudit';
import type { StoredRootAccess, RootAccessRepository } from './rootAccessRepository';
import type { RootAccessHint } from './rootAccessWorkflow';

export interface RootAccessDeps {
  repository: RootAccessRepository;
  /** The root-access workflow as registered with the runner (rootAccessWorkflow.ts). */
  work: WorkflowHandle<RootAccessHint>;
  aws: AwsAccountsPort;
  postures: RootPostures;
  addresses: Pick<AddressRegistry, 'get' | 'byAwsAccountId' | 'resolveAddress'>;
  approvers: ApproverChoice;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  background: BackgroundWork;
  /** Members of the on-call team (asked of Teams at the moment): they may ask for break-glass access. */
  isOnCall(userId: string): Promise<boolean>;
  settings: { minutes: number; startHours: number; expiryHours: number };
}

export interface AskInput {
  kind: RootAccessKind;
  /** An account name, an AWS account id, or the root address. */
  account: string;
  reason: string;
  by: Principal;
  origin: RootAccess['origin'];
  contact?: RequestContact;
  /** Removal: deactivate MFA devices too (only when asked). */
  mfa?: boolean;
  /** Removal: the finding it answers (its card shows the outcome). */
  finding?: string;
}

/** A refusal in words, with the HTTP status the API answers it with. */
export interface Refusal {
  kind: 'refused';
  status: 400 | 403 | 404 | 409;
  problem: string;
  /** The root access refused a change, as it stands (its card answers the click). */
  access?: RootAccess;
}

export type AskResult =
  | { kind: 'created'; access: RootAccess }
  /** The account has a root access under way already (one at a time per account). */
  | { kind: 'in-progress'; access: RootAccess }
  | Refusal;

export type ChangeResult = { kind: 'changed'; access: RootAccess } | Refusal;

/** Each change here is followed by its work on this instance (carryOut): others take it over only if it dies. */
const STARTED_HERE = { startedHere: true };

/**
 * Root access to member accounts: break-glass sessions and removals of legacy root credentials. Asking checks
 * everything that can be checked up front (the account is linked, a member, ACTIVE, centralized root access is
 * on, someone else can approve); every change is stored with its pending steps before any side effect and
 * answered at once; `carryOut` then has the workflow runner perform the steps (rootAccessWorkflow.ts).
 * For the mail relay it answers which live session, if any, a reset mail belongs to.
 */
export class RootAccessService implements RootSessionMail {
  constructor(private readonly deps: RootAccessDeps) {}

  /** ROOT_ACCESS_MINUTES and ROOT_ACCESS_START_HOURS, as cards promise them. */
  get settings(): { minutes: number; startHours: number } {
    return { minutes: this.deps.settings.minutes, startHours: this.deps.settings.startHours };
  }

  get(accessId: string): Promise<StoredRootAccess | undefined> {
    return this.deps.repository.get(accessId);
  }

  async ask(input: AskInput): Promise<AskResult> {
    const { repository, approvers, clock, settings } = this.deps;
    const reason = input.reason.trim();
    const badReason = reasonProblem(input.kind, reason);
    if (badReason) return refuse(400, badReason);
    if (input.by.app)
      return refuse(
        403,
        'Root access is for people: the reset link goes to the requester in Teams. Ask in the RootMail chat or the tab.',
      );
    const record = await this.recordFor(input.account);
    if (isRefusal(record)) return record;
    const allowed = await this.mayAsk(input.kind, input.by, record);
    if (allowed) return allowed;
    const accountId = record.awsAccountId!;
    const account = await this.memberAccount(accountId);
    if (isRefusal(account)) return account;
    const { requester, verdict } = await approvers.choose(input.by);
    if ('refusal' in verdict) return refuse(409, verdict.refusal);

    const id = `ra-${randomBytes(4).toString('hex')}`;
    const holder = await repository.reserveAccount(accountId, id);
    if (holder) return { kind: 'in-progress', access: holder };
    try {
      const posture = await this.deps.postures.get(accountId);
      const access = newRootAccess({
        id,
        kind: input.kind,
        account: {
          id: accountId,
          name: record.accountName ?? account.name,
          ...(record.accountName && record.accountName !== account.name ? { awsName: account.name } : {}),
          rootEmail: record.address,
          owner: record.owner && { id: record.owner.id, name: record.owner.name ?? record.owner.upn },
        },
        reason,
        requester,
        origin: input.origin,
        contact: input.contact,
        approvers: verdict.approvers,
        approverSource: verdict.source,
        removal: input.kind === 'removal' ? { mfa: !!input.mfa, finding: input.finding } : undefined,
        postureWhenAsked: describeRootPosture(posture),
        now: clock.now(),
        expiryHours: settings.expiryHours,
      });
      await repository.create(id, access, STARTED_HERE);
      await recordRootAccess(this.deps.audit, access, {
        action: input.kind === 'session' ? 'root-access.asked' : 'root-credentials.asked',
        actorId: input.by.id,
        actorName: input.by.name,
        detail:
          input.kind === 'removal' && input.mfa ? `${reason} (MFA devices to be deactivated too)` : reason,
      });
      return { kind: 'created', access };
    } catch (err) {
      await repository.releaseAccount(accountId, id);
      throw err;
    }
  }

  /** Stores the decision (the first stored one wins; nobody decides their own) and answers. */
  async decide(
    accessId: string,
    actor: Principal,
    outcome: Outcome,
    comment?: string,
  ): Promise<
    | { kind: 'decided' | 'already-decided'; access: RootAccess }
    | { kind: 'refused'; reason: 'own-request' | 'not-approver'; access: RootAccess }
    | { kind: 'not-found' }
  > {
    const { repository, clock, settings } = this.deps;
    const person: Person = { id: actor.id, name: actor.name };
    for (;;) {
      const current = await repository.get(accessId);
      if (!current) return { kind: 'not-found' };
      const result = decideRootAccess(current, person, outcome, comment, clock.now(), settings.startHours);
      if (result.kind === 'refused') {
        await this.record(current, actor, 'root-access.decision-refused', refusedWhy(result.reason));
        return { ...result, access: current };
      }
      if (result.kind === 'already-decided') return result;
      const stored = await repository.tryReplace(current, result.access, STARTED_HERE);
      if (!stored) continue; // another click was stored first: decide again against it
      const d = stored.decision!;
      await recordRootAccess(
        this.deps.audit,
        stored,
        {
          action: d.outcome === 'approved' ? 'root-access.approved' : 'root-access.rejected',
          actorId: d.by.id,
          actorName: d.by.name,
          detail: d.comment,
          at: d.at,
        },
        { once: 'decision' },
      );
      return { kind: 'decided', access: stored };
    }
  }

  /** Start: the requester alone, within the window; the session's minutes count from now. */
  async start(accessId: string, actor: Principal): Promise<ChangeResult> {
    const { clock, settings } = this.deps;
    let problem: Refusal | undefined;
    const stored = await this.deps.repository.update(
      accessId,
      (current) => {
        const result = startSession(current, actor, clock.now(), settings.minutes);
        if (result.ok) return result.access;
        problem = refuse(result.reason === 'not-requester' ? 403 : 409, startRefusal(current, result.reason));
        return undefined;
      },
      STARTED_HERE,
    );
    if (!stored) return refuse(404, `There is no root access ${String(accessId).slice(0, 40)}.`);
    if (problem) {
      if (problem.status === 403)
        await this.record(stored, actor, 'root-access.start-refused', problem.problem);
      return { ...(problem as Refusal), access: stored };
    }
    await this.record(stored, actor, 'root-access.started', `ends at ${formatTime(stored.endsAt)}`);
    return { kind: 'changed', access: stored };
  }

  /**
   * `root-access done <account>` or Done: the open session on that account (or the access by id) ends; before
   * Start it is withdrawn. The requester, or an admin.
   */
  async done(accountOrId: string, actor: Principal): Promise<ChangeResult> {
    const found = await this.find(accountOrId);
    if (isRefusal(found)) return found;
    let problem: Refusal | undefined;
    const stored = await this.deps.repository.update(
      found.id,
      (current) => {
        const result = endSession(current, actor, this.deps.clock.now());
        if (result.ok) return result.access;
        problem = refuse(
          result.reason === 'not-allowed' ? 403 : 409,
          result.reason === 'not-allowed'
            ? `Only ${current.requester.name}, who asked for it, or an admin can end root access ${current.id}. Your attempt was recorded.`
            : result.reason === 'not-a-session'
              ? `${current.id} is a removal of root credentials, not a session: it ends by itself.`
              : `Root access ${current.id} is already ${current.state === 'closing' ? 'closing' : 'closed'}: ${current.state}.`,
        );
        return undefined;
      },
      STARTED_HERE,
    );
    if (!stored) return refuse(404, `There is no root access ${found.id}.`);
    if (problem) {
      if (problem.status === 403)
        await this.record(stored, actor, 'root-access.done-refused', problem.problem);
      return { ...(problem as Refusal), access: stored };
    }
    const withdrawn = stored.state === 'closed';
    await this.record(stored, actor, withdrawn ? 'root-access.withdrawn' : 'root-access.done');
    return { kind: 'changed', access: stored };
  }

  /**
   * Runs the access's pending steps as tracked background work, after the person who acted has their answer.
   * Safe to call more than once: each step is claimed by etag before its side effect.
   */
  carryOut(accessId: string, options: { requesterCopy?: PostedMessage; answeredActivityId?: string } = {}) {
    this.deps.background.run(`root access ${accessId}`, async () => {
      const copy = options.requesterCopy;
      if (copy)
        await this.deps.repository.update(accessId, (latest) =>
          latest.cardCopies.some((c) => c.activityId === copy.activityId)
            ? undefined
            : { ...latest, cardCopies: [...latest.cardCopies, { audience: 'requester', ...copy }] },
        );
      await this.deps.work.run(accessId, { answeredActivityId: options.answeredActivityId });
    });
  }

  /**
   * Pending root accesses whose approval card reached nobody go out again: all of them after `setup approvals`,
   * or those `approverId` decides when that person first installs the app or writes to the bot.
   */
  async redeliverUndelivered(approverId?: string): Promise<number> {
    let queued = 0;
    for (const access of await this.deps.repository.undelivered()) {
      if (approverId && !isApprover(access, approverId)) continue;
      const updated = await this.deps.repository.update(access.id, withApprovalRedelivery, STARTED_HERE);
      if (updated?.steps.includes('deliver-approval')) {
        queued++;
        this.carryOut(access.id);
      }
    }
    return queued;
  }

  /** How many break-glass sessions are open now (for status). */
  countLiveSessions(): Promise<number> {
    return this.deps.repository.countLiveSessions();
  }

  /** Accounts whose root password is expected now (a session started and not closed): not drift. */
  liveSessionAccounts(): Promise<Set<string>> {
    return this.deps.repository.liveSessionAccounts();
  }

  // ---- the mail relay's question (RootSessionMail) ----

  async liveSessionFor(address: string, awsAccountId: string | undefined) {
    const access = await this.deps.repository.openOn(awsAccountId);
    if (
      !access ||
      access.kind !== 'session' ||
      !SESSION_LIVE_STATES.includes(access.state) ||
      access.account.rootEmail.toLowerCase() !== address.toLowerCase()
    )
      return undefined;
    return {
      accessId: access.id,
      requester: { id: access.requester.id, name: access.requester.name },
      reach: { serviceUrl: access.contact?.serviceUrl, tenantId: access.contact?.tenantId },
      account: accountLabel(access),
    };
  }

  async handed(accessId: string, mail: { mailId: string; kind: string; label: string }): Promise<string> {
    const now = this.deps.clock.now();
    // Its cards say how many were handed over, to whom (on-call's copy included).
    const stored = await this.deps.repository.update(
      accessId,
      (latest) => {
        const next = handedMail(latest, mail, now);
        return next === latest ? undefined : withSteps(next, 'update-cards');
      },
      STARTED_HERE,
    );
    if (!stored) throw new Error(`root access ${accessId} is gone`);
    await recordRootAccess(
      this.deps.audit,
      stored,
      {
        action: 'root-access.mail-handed',
        actorId: 'system',
        actorName: 'RootMail relay',
        detail: `${mail.label} (mail ${mail.mailId.slice(0, 12)}…)`,
      },
      { once: `mail:${mail.mailId}` },
    );
    this.deps.work.start(accessId);
    return handedLine(stored, mail.label);
  }

  // ---- checks up front ----

  /** The assigned, linked record an account name, id or root address stands for; else why not. */
  private async recordFor(typed: string): Promise<AddressRecord | Refusal> {
    const text = typed.trim().toLowerCase();
    if (!text)
      return refuse(400, 'Say which account: its name, its 12-digit AWS account id or its root address.');
    let record: AddressRecord | undefined;
    try {
      record = /^\d{12}$/.test(text)
        ? await this.deps.addresses.byAwsAccountId(text)
        : await this.deps.addresses.get(await this.deps.addresses.resolveAddress(text));
    } catch (err) {
      if (err instanceof AddressError && err.status < 500) return refuse(404, err.message);
      throw err;
    }
    if (!record || record.state !== 'assigned')
      return refuse(
        404,
        `RootMail has no assigned root address for ${text.slice(0, 60)}: root access works on member accounts whose root address RootMail manages. Check with \`whois ${text.slice(0, 60)}\`.`,
      );
    if (!record.awsAccountId)
      return refuse(
        409,
        `${record.address} (${record.accountName}) is not linked to an AWS account yet: link it first with \`link ${record.address} <12-digit account id>\`.`,
      );
    return record;
  }

  /** A session: the account's owner, on-call or an admin; a removal: admins. Refusals are audited. */
  private async mayAsk(
    kind: RootAccessKind,
    by: Principal,
    record: AddressRecord,
  ): Promise<Refusal | undefined> {
    if (by.admin) return undefined;
    if (kind === 'session' && (record.owner?.id === by.id || (await this.deps.isOnCall(by.id))))
      return undefined;
    const problem =
      kind === 'session'
        ? `Only the owner of ${record.accountName} (${record.owner?.name ?? 'nobody recorded'}), on-call or an admin can ask for root access to it. Your attempt was recorded.`
        : 'Only an admin (listed in ADMIN_IDS) can have root credentials removed. Your attempt was recorded.';
    await this.deps.audit.record({
      subject: record.address,
      action: kind === 'session' ? 'root-access.ask-refused' : 'root-credentials.ask-refused',
      actorId: by.id,
      actorName: by.name,
      detail: problem,
    });
    return refuse(403, problem);
  }

  /** The account as AWS has it: a member, ACTIVE, with centralized root access on; else what to do. */
  private async memberAccount(accountId: string): Promise<{ name: string } | Refusal> {
    const { aws } = this.deps;
    try {
      const account = await aws.describeAccount(accountId);
      if (account.isManagementAccount)
        return refuse(
          409,
          `${accountId} is the organisation's management account: its root user is outside centralized root access. Use your break-glass safe for it (docs/aws-access.md).`,
        );
      if (account.state !== 'ACTIVE')
        return refuse(
          409,
          `AWS account ${accountId} is ${account.state}: root sessions reach ACTIVE member accounts only.`,
        );
      const off = rootAccessOff(await aws.rootAccessFeatures());
      if (off) return refuse(409, off);
      return { name: account.name };
    } catch (err) {
      if (err instanceof AwsAccountNotFoundError)
        return refuse(404, `AWS account ${accountId} is not a member of the organisation: ${err.message}`);
      if (err instanceof AwsAccountsError && !isAwsOutage(err)) return refuse(409, err.message);
      if (err instanceof AwsAccountsError) throw fromAws(err);
      throw err;
    }
  }

  /** The access an id names, or the open one on the account a name, id or address names. */
  private async find(accountOrId: string): Promise<StoredRootAccess | Refusal> {
    const text = accountOrId.trim().toLowerCase();
    if (/^ra-/.test(text)) {
      const access = await this.deps.repository.get(text);
      return access ?? refuse(404, `There is no root access ${text.slice(0, 40)}.`);
    }
    const record = await this.recordFor(text);
    if (isRefusal(record)) return record;
    const access = await this.deps.repository.openOn(record.awsAccountId);
    return access ?? refuse(404, `No root access to ${record.accountName} is under way.`);
  }

  private async record(access: RootAccess, actor: Principal, action: string, detail?: string) {
    await recordRootAccess(this.deps.audit, access, {
      action,
      actorId: actor.id,
      actorName: actor.name,
      detail,
    });
  }
}

const isRefusal = (x: object): x is Refusal => (x as { kind?: unknown }).kind === 'refused';

function refuse(status: Refusal['status'], problem: string): Refusal {
  return { kind: 'refused', status, problem };
}

function refusedWhy(reason: 'own-request' | 'not-approver'): string {
  return reason === 'own-request' ? 'tried to decide their own root access' : 'not an approver';
}

function startRefusal(access: RootAccess, reason: string): string {
  switch (reason) {
    case 'not-requester':
      return `Only ${access.requester.name}, who asked for it, can start this session. Your attempt was recorded.`;
    case 'not-a-session':
      return `${access.id} is a removal of root credentials: there is nothing to start.`;
    case 'start-expired':
      return `Start was offered until ${formatTime(access.startBy)}: ask again with \`root-access ${access.account.name} <reason>\`.`;
    default:
      return access.state === 'pending'
        ? `Root access ${access.id} is waiting for ${access.approvers.map((p) => p.name).join(' or ')} to approve.`
        : access.state === 'closed'
          ? `Root access ${access.id} is over: ${describeRootAccess(access)}`
          : `Root access ${access.id} was started already (${access.state}).`;
  }
}
