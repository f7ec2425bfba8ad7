import { rootAccessCard, RootAccessSettings, RootAccessView } from '../../cards/rootAccessCards';
import type { CardCopy } from '../../domain/addressRequests';
import {
  auditedBefore,
  fireRootAccessTimer,
  inventoried,
  opened,
  refusedToOpen,
  removed,
  RootAccess,
  RootAccessStep,
  whatToRemove,
} from '../../domain/rootAccess';
import { accountLabel, describeRemoval, describeRootAccess } from '../../domain/rootAccessWording';
import { describeRootCredentials, RootCredentials } from '../../domain/rootPosture';
import type { Logger } from '../../log/logger';
import { AwsAccountsError, AwsAccountsPort } from '../../ports/awsAccounts';
import type { ChatPort, ConversationRef, OutgoingMessage, PostedMessage } from '../../ports/chat';
import type { Clock } from '../../ports/clock';
import { ApprovalDelivery, withCopies } from '../approvals/approvalDelivery';
import type { AuditLog } from '../auditLog';
import { isAwsOutage } from '../aws/awsErrors';
import type { RootPostures } from '../aws/rootPostures';
import type { ConversationDirectory } from '../conversations';
import { sendToUser } from '../personalChats';
import { PostsOnce } from '../workflows/postsOnce';
import { NotYetError, StepContext, StepOutcome, Workflow, workflowName } from '../workflows/workflow';
import { ROOT_ACCESS_WORKFLOW, RootAccessRepository } from './rootAccessRepository';
import { recordRootAccess } from './rootAccessAudit';

export interface RootAccessWorkflowDeps {
  repository: RootAccessRepository;
  aws: AwsAccountsPort;
  postures: RootPostures;
  chat: ChatPort;
  conversations: ConversationDirectory;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  settings: RootAccessSettings;
  /** A removal asked for from a finding's card: that card shows the outcome (the reconciler's). */
  findingOutcome?(subject: string, outcome: string, failed: boolean): Promise<void>;
}

/** What the click that started a run knew: the card it was answered on (the other copies are updated). */
export interface RootAccessHint {
  answeredActivityId?: string;
}

export const ROOT_ACCESS = workflowName<RootAccess>(ROOT_ACCESS_WORKFLOW);

/**
 * A root access's steps, as a workflow the runner (src/app/workflows/) carries out: the approval card out,
 * the cards kept up to date, the AWS calls of a session (an audit, then CreateLoginProfile without a password
 * in an IAMCreateRootUserPassword session) and of its end or a removal (an audit, then the deletions in an
 * IAMDeleteRootUserCredentials session, which reads the root user again), and the news to the requester, the
 * approvers and on-call. Its timer is the decision's deadline, Start's window and the session's end: a session
 * nobody closes is closed by whichever instance polls first once its minutes are over.
 *
 * Every step is safe to repeat: AWS's "already exists" and "no such entity" count as done, card updates are
 * repeatable, and every new message goes through PostsOnce (at most once). AWS unreachable: the step is tried
 * again (backoff up to 5 minutes); AWS refusing: the access ends saying so, with nothing half-changed unsaid.
 */
export class RootAccessWorkflow implements Workflow<RootAccess, RootAccessStep, RootAccessHint> {
  readonly name = ROOT_ACCESS;
  readonly documents: RootAccessRepository;
  readonly retry = { firstMs: 10_000, maxMs: 5 * 60_000 };
  private readonly posts: PostsOnce<RootAccess>;
  private readonly approvals: ApprovalDelivery;

  readonly timer = {
    fire: fireRootAccessTimer,
    fired: async (_before: RootAccess, after: RootAccess) => {
      const action =
        after.state === 'closing'
          ? 'root-access.timed-out'
          : after.closed?.outcome === 'start-expired'
            ? 'root-access.start-expired'
            : 'root-access.expired';
      await this.record(after, action, 'system', 'RootMail', describeRootAccess(after));
    },
  };

  constructor(private readonly deps: RootAccessWorkflowDeps) {
    this.documents = deps.repository;
    this.posts = new PostsOnce(deps.repository, deps.clock, deps.logger);
    this.approvals = new ApprovalDelivery(deps);
  }

  async perform(
    step: RootAccessStep,
    access: RootAccess,
    { hint }: StepContext<RootAccessHint>,
  ): Promise<StepOutcome<RootAccess>> {
    const same = (latest: RootAccess) => latest;
    switch (step) {
      case 'deliver-approval':
        return this.deliverApproval(access);
      case 'update-cards': {
        // What to do now stays on the requester's newest copy; the older ones keep the rest.
        const newest = access.cardCopies.filter((c) => c.audience === 'requester').at(-1);
        await this.approvals.updateCopies(
          access.cardCopies,
          (copy) => ({
            card: rootAccessCard(access, viewOf(copy), this.deps.settings, '', undefined, {
              steps: copy === newest,
            }),
          }),
          hint?.answeredActivityId,
        );
        return same;
      }
      case 'audit-before':
        return this.auditBefore(access);
      case 'allow-recovery':
        return this.allowRecovery(access);
      case 'inventory':
        return this.inventory(access);
      case 'remove':
        return this.remove(access);
      case 'tell':
        return this.tell(access);
    }
  }

  // ---- approval ----

  private async deliverApproval(access: RootAccess): Promise<StepOutcome<RootAccess>> {
    const { chat, conversations } = this.deps;
    const reach = access.contact?.serviceUrl
      ? { serviceUrl: access.contact.serviceUrl, tenantId: access.contact.tenantId }
      : await conversations.anyServiceUrl();
    const { copies, delivery, approvers } = await this.approvals.deliver({
      subject: access.id,
      approvers: access.approvers,
      reach,
      postOnce: (key, send) => this.posts.once(access.id, key, send),
      approverMessage: { card: this.card(access, 'approver') },
      channelMessage: (withIds) => ({ card: this.card({ ...access, approvers: withIds }, 'status') }),
    });
    const note =
      delivery === 'undelivered'
        ? 'Nobody could be reached yet: ask an admin to run "setup approvals" in a team channel.'
        : `Sent to ${access.approvers.map((p) => p.name).join(' or ')} for approval.`;
    const status = { card: this.card({ ...access, delivery }, 'requester', note) };
    const mine = access.cardCopies.find((c) => c.audience === 'requester');
    if (mine) await chat.update(mine, status);
    else {
      const posted = await this.toRequester(access, 'status:requester', status);
      if (posted) copies.push({ audience: 'requester', ...posted });
    }
    return (latest) => ({
      ...latest,
      approvers,
      delivery,
      cardCopies: withCopies(latest.cardCopies, copies),
    });
  }

  // ---- AWS ----

  /** The root user before the session: what the session must not leave behind is what it adds. */
  private async auditBefore(access: RootAccess): Promise<StepOutcome<RootAccess>> {
    const now = () => this.deps.clock.now();
    let before: RootCredentials;
    try {
      before = await this.deps.aws.auditRootCredentials(access.account.id);
    } catch (err) {
      const problem = refusal(err); // an outage throws: tried again
      await this.record(access, 'root-access.refused-by-aws', 'system', 'AWS', problem);
      return (latest) => (latest.state === 'opening' ? refusedToOpen(latest, problem, now()) : latest);
    }
    await this.deps.postures.checked(access.account, before, now().toISOString());
    return (latest) => auditedBefore(latest, before);
  }

  /** CreateLoginProfile without a password; skipped once the session is ending (nothing more is created). */
  private async allowRecovery(access: RootAccess): Promise<StepOutcome<RootAccess>> {
    const now = () => this.deps.clock.now();
    if (access.state !== 'opening') return (latest) => latest;
    let created: boolean;
    try {
      ({ created } = await this.deps.aws.allowRootPasswordRecovery(access.account.id));
    } catch (err) {
      const problem = refusal(err);
      await this.record(access, 'root-access.refused-by-aws', 'system', 'AWS', problem);
      return (latest) => refusedToOpen(latest, problem, now());
    }
    await this.record(
      access,
      'root-access.recovery-allowed',
      'system',
      'RootMail',
      created
        ? 'CreateLoginProfile without a password, in an IAMCreateRootUserPassword session'
        : 'the root user had a password already (CreateLoginProfile: EntityAlreadyExists); password recovery works',
    );
    return (latest) => opened(latest, now());
  }

  /** What the root user has now, and so what goes: waits for an opening step still under way. */
  private async inventory(access: RootAccess): Promise<StepOutcome<RootAccess>> {
    if (access.steps.includes('audit-before') || access.steps.includes('allow-recovery'))
      throw new NotYetError('the session is still opening; it is closed once that step has finished');
    let current: RootCredentials;
    try {
      current = await this.deps.aws.auditRootCredentials(access.account.id);
    } catch (err) {
      const problem = refusal(err);
      await this.record(access, 'root-access.removal-failed', 'system', 'AWS', problem);
      return (latest) => removed(latest, undefined, this.deps.clock.now(), problem);
    }
    const toRemove = whatToRemove(access, current);
    return (latest) => inventoried(latest, toRemove);
  }

  /** The deletions (gone already counts as removed), the root user read again, the posture kept. */
  private async remove(access: RootAccess): Promise<StepOutcome<RootAccess>> {
    const { aws, postures, clock } = this.deps;
    const toRemove = access.toRemove!;
    let after: RootCredentials | undefined;
    let problem: string | undefined;
    try {
      after = await aws.removeRootCredentials(access.account.id, toRemove);
    } catch (err) {
      problem = refusal(err);
      // What is left, as far as AWS lets us read it (the refusal may have come after some deletions).
      after = await aws.auditRootCredentials(access.account.id).catch(() => undefined);
    }
    if (after) await postures.checked(access.account, after, clock.now().toISOString());
    const what = describeRemoval(toRemove) || 'nothing (no credentials were left)';
    if (problem) await this.record(access, 'root-access.removal-failed', 'system', 'AWS', problem);
    else
      await this.record(
        access,
        'root-access.credentials-removed',
        'system',
        'RootMail',
        `${what} (IAMDeleteRootUserCredentials session); the root user now has ${after ? describeRootCredentials(after) : 'unknown credentials'}`,
      );
    return (latest) => removed(latest, after, clock.now(), problem);
  }

  // ---- news ----

  /** New messages for the state reached, each at most once (a step run again sends nothing twice). */
  private async tell(access: RootAccess): Promise<StepOutcome<RootAccess>> {
    const added: CardCopy[] = [];
    const keep = (audience: CardCopy['audience'], posted: PostedMessage | undefined) =>
      posted && added.push({ audience, ...posted });
    const key = `tell:${access.state}`;
    switch (access.state) {
      case 'approved':
        keep(
          'requester',
          await this.toRequester(access, key, {
            card: this.card(access, 'requester', 'Approved: start the session when you are ready.', 'Good'),
          }),
        );
        break;
      case 'open':
        keep(
          'requester',
          await this.toRequester(access, key, {
            card: this.card(access, 'requester', 'The session is open.', 'Warning'),
          }),
        );
        keep('oncall', await this.toOnCall(access, key, { card: this.card(access, 'oncall') }));
        break;
      case 'closing': {
        const text =
          `Before root access to ${accountLabel(access)} closes: ${describeRemoval({ ...access.toRemove!, password: false })} ` +
          'was created during the session and is removed now, with the root password.';
        await this.toRequester(access, key, { text });
        await this.toOnCall(access, key, { text });
        break;
      }
      case 'closed':
        await this.tellClosed(access, key);
        break;
      default:
        break;
    }
    return (latest) => ({ ...latest, cardCopies: withCopies(latest.cardCopies, added) });
  }

  /** The outcome to the requester, the approver and (once it reached AWS) on-call; and the finding's card. */
  private async tellClosed(access: RootAccess, key: string): Promise<void> {
    const outcome = access.closed!;
    const reachedAws = outcome.outcome === 'done' || outcome.outcome === 'refused-by-aws';
    const color = outcome.outcome === 'done' && !outcome.problem ? 'Good' : 'Attention';
    const message = (view: RootAccessView) => ({ card: this.card(access, view, '', color) });
    await this.toRequester(access, key, message('requester'));
    if (reachedAws) {
      for (const approver of access.decision ? [access.decision.by] : [])
        await this.posts
          .once(access.id, `${key}:approver:${approver.id}`, () =>
            sendToUser(this.deps, approver.id, access.contact ?? {}, message('status')),
          )
          .catch((err) => this.deps.logger.info({ err, accessId: access.id }, 'could not tell the approver'));
      await this.toOnCall(access, key, message('oncall'));
    }
    const finding = findingOf(access);
    if (finding && this.deps.findingOutcome)
      await this.deps.findingOutcome(
        finding,
        describeRootAccess(access),
        outcome.outcome !== 'done' || !!outcome.problem,
      );
  }

  /**
   * To the requester's personal chat (where the session's news and reset link belong), at most once per key.
   * Undefined when they cannot be reached or an earlier attempt may have reached them; Teams down throws.
   */
  private async toRequester(
    access: RootAccess,
    key: string,
    message: OutgoingMessage,
  ): Promise<PostedMessage | undefined> {
    const where = access.contact?.conversation as ConversationRef | undefined;
    const outcome = await this.posts.once(access.id, `${key}:requester`, () =>
      where &&
      (where.conversation as { conversationType?: string } | undefined)?.conversationType === 'personal'
        ? this.deps.chat.post(where, message)
        : sendToUser(this.deps, access.requester.id, access.contact ?? {}, message),
    );
    if (outcome.kind === 'refused') {
      this.deps.logger.warn(
        { err: outcome.error, accessId: access.id },
        'the requester could not be reached',
      );
      return undefined;
    }
    return outcome.kind === 'sent' ? outcome.posted : undefined;
  }

  private async toOnCall(
    access: RootAccess,
    key: string,
    message: OutgoingMessage,
  ): Promise<PostedMessage | undefined> {
    const channel = await this.deps.conversations.channelFor('oncall');
    if (!channel) {
      this.deps.logger.warn({ accessId: access.id }, 'no on-call channel to show the root access in');
      return undefined;
    }
    const outcome = await this.posts.once(access.id, `${key}:oncall`, () =>
      this.deps.chat.postToChannel(channel.reference, message),
    );
    if (outcome.kind === 'refused') throw outcome.error; // Teams down: tried again
    return outcome.kind === 'sent' ? outcome.posted : undefined;
  }

  private card(
    access: RootAccess,
    view: RootAccessView,
    note = '',
    color?: 'Good' | 'Warning' | 'Attention',
  ) {
    return rootAccessCard(access, view, this.deps.settings, note, color);
  }

  private record(access: RootAccess, action: string, actorId: string, actorName: string, detail?: string) {
    return recordRootAccess(this.deps.audit, access, { action, actorId, actorName, detail });
  }
}

/** Which view each copy of the card shows. */
function viewOf(copy: CardCopy): RootAccessView {
  switch (copy.audience) {
    case 'requester':
      return 'requester';
    case 'oncall':
      return 'oncall';
    default:
      return 'status';
  }
}

function findingOf(access: RootAccess): string | undefined {
  return access.kind === 'removal' ? access.removal?.finding : undefined;
}

/** A refusal in words; an outage (or anything that is not AWS's answer) is thrown, so the step is retried. */
function refusal(err: unknown): string {
  if (!(err instanceof AwsAccountsError) || isAwsOutage(err)) throw err;
  return err.message;
}
