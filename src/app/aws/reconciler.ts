import { randomBytes } from 'node:crypto';
import { awsFindingCard, driftDigestCard, reconcileSummaryCard } from '../../cards/awsCards';
import { AddressError } from '../../domain/addressErrors';
import { describeOwner } from '../../domain/addressChanges';
import type { AwsAccount } from '../../domain/awsAccounts';
import type { RequestContact } from '../../domain/addressRequests';
import type { OperationalStatus } from '../../domain/operationalStatus';
import { mayAdoptAccounts, mayChangeAddress, Principal } from '../../domain/permissions';
import {
  DriftFinding,
  findingsToReport,
  FindingKind,
  linkedAccountIds,
  reconcile,
} from '../../domain/reconciliation';
import type { ReconcileRun } from '../../domain/reconcileRuns';
import { formatTime } from '../../domain/timeWording';
import type { Logger } from '../../log/logger';
import { AwsAccountsError, AwsAccountsPort } from '../../ports/awsAccounts';
import type { CardJson, ChatPort, PostedMessage } from '../../ports/chat';
import type { Clock } from '../../ports/clock';
import { DependencyUnavailableError } from '../../ports/errors';
import type { AddressRegistry } from '../addresses/addressRegistry';
import type { OnCallAlerts } from '../alerts';
import type { AuditLog } from '../auditLog';
import type { BackgroundWork } from '../background';
import type { ConversationDirectory } from '../conversations';
import { asBackgroundWork } from '../../ports/documentStore';
import { chatSentence, classifyFailure } from '../failures';
import type { PeriodicJob } from '../jobs';
import type { Leases } from '../leases';
import type { AdoptionService, StartResult } from './adoptionService';
import type { DriftFindings, ReportedFinding } from './driftFindings';
import type { RootAudit } from './rootAudit';
import type { RootAccessService } from '../rootAccess/rootAccessService';

export interface ReconcilerDeps {
  aws: AwsAccountsPort;
  addresses: Pick<AddressRegistry, 'recordsForReconciliation' | 'linkAwsAccount' | 'get' | 'retire'>;
  findings: DriftFindings;
  /** Member accounts' root users, audited by each run. */
  rootAudit: RootAudit;
  adoptions: Pick<AdoptionService, 'start' | 'carryOut' | 'countOpen'>;
  /** Root access (removals from a finding's card; live sessions, whose root password is not drift). */
  rootAccess?: Pick<RootAccessService, 'ask' | 'carryOut' | 'liveSessionAccounts' | 'countLiveSessions'>;
  leases: Leases;
  clock: Clock;
  logger: Logger;
  chat: ChatPort;
  conversations: ConversationDirectory;
  alerts: OnCallAlerts;
  audit: AuditLog;
  background: BackgroundWork;
  /** RECONCILE_UNUSED_DAYS */
  unusedDays: number;
}

export type RunOutcome = { kind: 'done'; run: ReconcileRun } | { kind: 'busy'; running?: ReconcileRun };

/** What a click on a finding's button answers at once, and the work it leaves for afterwards. */
export interface FindingAnswer {
  card?: CardJson;
  text?: string;
  afterwards?: () => Promise<void>;
}

/** Who links records on reconciliation's behalf, as the audit shows it. */
export const RECONCILIATION: Principal = {
  id: 'reconciliation',
  name: 'reconciliation',
  admin: true,
  reader: true,
  allocator: false,
};

/** One run at a time across instances: its lease is renewed while it runs, so a crash frees it quickly. */
const RUN_LEASE = 'aws-reconcile';
/** The hourly job: whichever instance takes this first in an hour runs it. */
const HOURLY_LEASE = 'aws-reconcile-hourly';
const HOURLY_MS = 60 * 60_000;
const ALERT = 'aws-reconcile-failing';
/** Findings posted as cards of their own per run; more are listed on one digest card. */
export const MAX_FINDING_CARDS = 20;
const DIGEST_LINES = 30;
const MAX_RESOLVED_UPDATES = 50;
const AUTO_LINKS_IN_FLIGHT = 8;

/**
 * Reconciliation with AWS Organizations: every account against the registry (src/domain/reconciliation.ts),
 * record links made automatically, drift reported once per finding until it changes. The hourly job,
 * `reconcile` in chat and POST /api/v1/reconcile all run `run`.
 */
export class OrganizationReconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  /** Runs now unless a run is under way (any instance). AWS failures are recorded, then thrown. */
  async run(trigger: ReconcileRun['trigger'], by?: Principal): Promise<RunOutcome> {
    const held = await this.deps.leases.hold(RUN_LEASE, () => this.runHeld(trigger, by));
    return held.ran ? held.value : { kind: 'busy', running: await this.deps.findings.currentRun() };
  }

  private async runHeld(trigger: ReconcileRun['trigger'], by?: Principal): Promise<RunOutcome> {
    const { findings, clock } = this.deps;
    const started = clock.now();
    const startedMs = Date.now();
    let run: ReconcileRun = {
      runId: `rec-${randomBytes(4).toString('hex')}`,
      trigger,
      by: by && { id: by.id, name: by.name },
      startedAt: started.toISOString(),
      state: 'running',
      accounts: 0,
      records: 0,
      known: 0,
      autoLinked: 0,
      autoLinkFailed: 0,
      findings: 0,
      byKind: {},
      reported: 0,
      resolved: 0,
      unchanged: 0,
      unposted: 0,
    };
    try {
      await findings.setCurrentRun(run);
      run = await asBackgroundWork(() => this.compare(run)); // paced by the store: people's requests go first
      run = {
        ...run,
        state: 'done',
        finishedAt: clock.now().toISOString(),
        durationMs: Date.now() - startedMs,
      };
      await findings.saveLastRun(run);
      await this.deps.alerts.clear(ALERT);
      await this.recordRun(run);
      this.deps.logger.info({ run }, 'reconciled with AWS Organizations');
      return { kind: 'done', run };
    } catch (err) {
      const failed: ReconcileRun = {
        ...run,
        state: 'failed',
        finishedAt: clock.now().toISOString(),
        durationMs: Date.now() - startedMs,
        error: describeFailure(err),
      };
      this.deps.logger.warn({ err, runId: run.runId }, 'reconciliation with AWS Organizations failed');
      await findings.saveLastRun(failed).catch(() => undefined);
      await this.recordRun(failed).catch(() => undefined);
      if (trigger === 'schedule')
        await this.deps.alerts
          .raise(ALERT, `Reconciliation with AWS Organizations failed: ${failed.error}`)
          .catch(() => undefined);
      throw err;
    } finally {
      await findings.setCurrentRun(undefined).catch(() => undefined);
    }
  }

  /** The hourly job; a failed run gives the hour back, so the next tick (10 minutes) tries again. */
  job(): PeriodicJob {
    return {
      name: 'aws-reconcile',
      intervalMs: 10 * 60_000,
      run: async () => {
        const hour = await this.deps.leases.take(HOURLY_LEASE, HOURLY_MS - 60_000);
        if (!hour) return;
        try {
          await this.run('schedule');
        } catch {
          await this.deps.leases.release(HOURLY_LEASE, hour);
        }
      },
    };
  }

  /**
   * `reconcile` in chat: runs as tracked background work and puts the result where the command was answered
   * (the summary card, a busy note, or the failure in one sentence).
   */
  runFor(by: Principal, answeredOn: PostedMessage | undefined): void {
    this.deps.background.run('reconcile (chat)', async () => {
      let message: { text?: string; card?: CardJson };
      try {
        const outcome = await this.run('chat', by);
        message =
          outcome.kind === 'done'
            ? { card: reconcileSummaryCard(outcome.run) }
            : { text: busyText(outcome.running) };
      } catch (err) {
        message = { text: chatSentence(classifyFailure(err, this.deps.logger, { command: 'reconcile' })) };
      }
      if (answeredOn) await this.deps.chat.update(answeredOn, message);
    });
  }

  /**
   * POST /api/v1/reconcile: starts a run and waits for it up to `waitMs`; answers the finished run, or that it
   * is still running (it goes on as tracked background work), or the run someone else started.
   */
  async runForApi(
    by: Principal,
    waitMs: number,
  ): Promise<RunOutcome | { kind: 'running'; run?: ReconcileRun }> {
    const outcome = this.run('api', by);
    // Tracked, so shutdown and tests wait for it; its failure is recorded as the last run.
    this.deps.background.run('reconcile (api)', () => outcome.catch(() => undefined));
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      outcome,
      new Promise<'waiting'>((resolve) => {
        timer = setTimeout(() => resolve('waiting'), waitMs);
      }),
    ]).finally(() => clearTimeout(timer));
    if (waited !== 'waiting') return waited;
    return { kind: 'running', run: await this.deps.findings.currentRun() };
  }

  /** GET /api/v1/reconcile: the run in progress, the last run and the open findings as reported. */
  async overview(limit = 1000) {
    const [running, lastRun, reported] = await Promise.all([
      this.deps.findings.currentRun(),
      this.deps.findings.lastRun(),
      this.deps.findings.reported(),
    ]);
    const open = [...reported.values()]
      .sort((a, b) => (a.finding.subject < b.finding.subject ? -1 : 1))
      .slice(0, limit)
      .map(({ finding, reportedAt, action }) => ({
        subject: finding.subject,
        kind: finding.kind,
        suggestion: finding.suggestion,
        summary: finding.summary,
        reportedAt,
        action: action && { verb: action.verb, by: action.by.name, at: action.at, outcome: action.outcome },
      }));
    return { running, lastRun, openFindings: reported.size, findings: open };
  }

  /** The AWS line of `status` and /api/v1/status. */
  async status(): Promise<OperationalStatus['aws']> {
    const [running, lastRun, openAdoptions, liveSessions] = await Promise.all([
      this.deps.findings.currentRun(),
      this.deps.findings.lastRun(),
      this.deps.adoptions.countOpen(),
      this.deps.rootAccess?.countLiveSessions(),
    ]);
    return {
      configured: true,
      running: running && { startedAt: running.startedAt, trigger: running.trigger },
      lastRun,
      openFindings: lastRun?.findings ?? 0,
      findingsByKind: lastRun?.byKind ?? {},
      openAdoptions,
      liveRootSessions: liveSessions ?? 0,
    };
  }

  // ---- one run ----

  private async compare(run: ReconcileRun): Promise<ReconcileRun> {
    const { aws, addresses, findings, clock, unusedDays } = this.deps;
    const accounts: AwsAccount[] = [];
    // The registry is read while AWS pages through the accounts. The whole list or nothing: on a partial
    // list every missing account would look like drift, so a failed listing fails the run.
    const listed = async function* () {
      for await (const account of aws.listAccounts()) {
        accounts.push(account);
        yield account;
      }
    };
    const records = await addresses.recordsForReconciliation(listed());
    const result = reconcile({ accounts, records, now: clock.now(), unusedDays });

    let autoLinked = 0;
    let autoLinkFailed = 0;
    await inParallel(result.autoLinks, AUTO_LINKS_IN_FLIGHT, async (link) => {
      try {
        await addresses.linkAwsAccount(link.address, link.accountId, RECONCILIATION);
        autoLinked++;
      } catch (err) {
        if (!(err instanceof AddressError) || err.status >= 500) throw err;
        autoLinkFailed++;
        this.deps.logger.warn(
          { address: link.address, accountId: link.accountId, reason: err.message },
          'auto-link refused',
        );
      }
    });

    // Root users: on demand every linked member account, hourly those not audited for about a day.
    const root = await this.deps.rootAudit.run({
      accounts,
      linkedAccountIds: linkedAccountIds(records, result.autoLinks),
      everyAccount: run.trigger !== 'schedule',
      openSessions: await this.deps.rootAccess?.liveSessionAccounts(),
    });
    const all = [...result.findings, ...root.findings];

    const reported = await findings.reported();
    const fingerprints = new Map([...reported].map(([subject, r]) => [subject, r.finding.fingerprint]));
    const { report, unchanged, resolved } = findingsToReport(fingerprints, all);
    const { posted, unposted } = await this.post(report);
    await this.showResolved(resolved.map((subject) => reported.get(subject)!));
    await findings.save(posted, resolved);

    const byKind: Partial<Record<FindingKind, number>> = {};
    for (const f of all) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
    return {
      ...run,
      accounts: result.counts.accounts,
      records: result.counts.records,
      known: result.counts.known,
      autoLinked,
      autoLinkFailed,
      findings: all.length,
      byKind,
      reported: posted.length,
      resolved: resolved.length,
      unchanged: unchanged.length,
      unposted,
      rootAudit: root.summary,
    };
  }

  /** New and changed findings to the on-call channel: a card each, the rest on one digest card. */
  private async post(report: DriftFinding[]): Promise<{ posted: ReportedFinding[]; unposted: number }> {
    if (!report.length) return { posted: [], unposted: 0 };
    const { chat, conversations, clock, logger } = this.deps;
    const channel = await conversations.channelFor('oncall');
    if (!channel) {
      logger.warn(
        { findings: report.length },
        'no on-call channel to report drift to; reported by a later run',
      );
      return { posted: [], unposted: report.length };
    }
    const reportedAt = clock.now().toISOString();
    const posted: ReportedFinding[] = [];
    let unposted = 0;
    for (const finding of report.slice(0, MAX_FINDING_CARDS)) {
      try {
        const card = await chat.postToChannel(channel.reference, { card: awsFindingCard(finding, 'open') });
        posted.push({ finding, reportedAt, card });
      } catch (err) {
        logger.warn(
          { err, subject: finding.subject },
          'could not post a drift finding; a later run tries again',
        );
        unposted++;
      }
    }
    const rest = report.slice(MAX_FINDING_CARDS);
    if (rest.length) {
      try {
        const card = await chat.postToChannel(channel.reference, {
          card: driftDigestCard(rest, DIGEST_LINES),
        });
        posted.push(...rest.map((finding) => ({ finding, reportedAt, card, digest: true })));
      } catch (err) {
        logger.warn(
          { err, findings: rest.length },
          'could not post the drift digest; a later run tries again',
        );
        unposted += rest.length;
      }
    }
    return { posted, unposted };
  }

  /** A resolved finding's own card says so (a bounded number per run; the rest just stop being open). */
  private async showResolved(resolved: ReportedFinding[]): Promise<void> {
    const now = formatTime(this.deps.clock.now().toISOString());
    for (const r of resolved.filter((x) => x.card && !x.digest).slice(0, MAX_RESOLVED_UPDATES)) {
      await this.deps.chat
        .update(r.card!, {
          card: awsFindingCard(
            r.finding,
            'resolved',
            `Resolved: reconciliation no longer sees this (${now}).`,
          ),
        })
        .catch((err) =>
          this.deps.logger.info({ err, subject: r.finding.subject }, 'could not mark a finding resolved'),
        );
    }
  }

  private async recordRun(run: ReconcileRun): Promise<void> {
    await this.deps.audit.record({
      subject: 'aws:reconciliation',
      action: run.state === 'done' ? 'reconcile.done' : 'reconcile.failed',
      actorId: run.by?.id ?? 'reconciliation',
      actorName: run.by?.name ?? 'reconciliation (hourly)',
      after: {
        runId: run.runId,
        accounts: run.accounts,
        autoLinked: run.autoLinked,
        findings: run.findings,
        reported: run.reported,
        resolved: run.resolved,
        rootUsersAudited: run.rootAudit?.audited,
        rootUsersWithCredentials: run.rootAudit?.withCredentials,
      },
      detail: run.error,
    });
  }

  // ---- the buttons on a finding's card ----

  /** Retire: the owner of the address or an admin, as in chat; answered at once, retired afterwards. */
  async retireFromFinding(
    subject: string,
    actor: Principal,
    clicked?: PostedMessage,
  ): Promise<FindingAnswer> {
    const { addresses, audit, logger } = this.deps;
    const current = await this.deps.findings.get(subject);
    if (!current) return { text: NO_LONGER_OPEN };
    const finding = current.finding;
    if (finding.kind !== 'ended-account-still-assigned')
      return { card: awsFindingCard(finding, 'open', 'Nothing to retire on this finding.') };
    if (current.action && !current.action.failed)
      return { card: awsFindingCard(finding, 'done', alreadyActed(current)) };
    const record = await addresses.get(finding.address);
    if (record?.state !== 'assigned')
      return {
        card: awsFindingCard(
          finding,
          'done',
          `${finding.address} is ${record?.state ?? 'not in the registry'} already; nothing to retire.`,
        ),
      };
    const verdict = mayChangeAddress(actor, record, describeOwner(record.owner));
    if (!verdict.allowed) {
      await audit.record({
        subject: record.address,
        action: 'address.retire-refused',
        actorId: actor.id,
        actorName: actor.name,
        detail: `from the reconciliation card: ${verdict.reason}`,
      });
      return { card: awsFindingCard(finding, 'open', `${verdict.reason} Your attempt was recorded.`) };
    }
    const claim = await this.claim(subject, 'retire', actor);
    if (!claim.ok) return { card: awsFindingCard(finding, 'done', alreadyActed(claim.finding)) };
    const reason = `AWS account ${finding.accountId} is ${finding.accountState} (reconciliation)`;
    return {
      card: awsFindingCard(finding, 'acting', `Retiring ${finding.address}, asked by ${actor.name}…`),
      afterwards: async () => {
        let outcome: string;
        let failed = false;
        try {
          const retired = await addresses.retire(finding.address, reason, actor);
          outcome =
            retired.state === 'quarantined'
              ? `Retired by ${actor.name}: ${retired.address} is in quarantine until ${retired.quarantineUntil?.slice(0, 10)}.`
              : `Retired by ${actor.name}: ${retired.address} is never handed out again.`;
        } catch (err) {
          failed = true;
          outcome = chatSentence(classifyFailure(err, logger, { verb: 'aws.retire' }));
        }
        await this.finish(subject, current, clicked, outcome, failed);
      },
    };
  }

  /** Adopt: admins, as `adopt`; answered at once, the address request and the adoption start afterwards. */
  async adoptFromFinding(
    subject: string,
    actor: Principal,
    contact: RequestContact,
    clicked?: PostedMessage,
  ): Promise<FindingAnswer> {
    const current = await this.deps.findings.get(subject);
    if (!current) return { text: NO_LONGER_OPEN };
    const finding = current.finding;
    if (finding.kind !== 'account-not-in-registry' || finding.suggestion !== 'adopt')
      return { card: awsFindingCard(finding, 'open', 'This account cannot be adopted from here.') };
    if (current.action && !current.action.failed)
      return { card: awsFindingCard(finding, 'done', alreadyActed(current)) };
    const verdict = mayAdoptAccounts(actor);
    if (!verdict.allowed) {
      await this.deps.audit.record({
        subject: `aws:${finding.accountId}`,
        action: 'adoption.refused',
        actorId: actor.id,
        actorName: actor.name,
        detail: verdict.reason,
      });
      return { card: awsFindingCard(finding, 'open', `${verdict.reason} Your attempt was recorded.`) };
    }
    const claim = await this.claim(subject, 'adopt', actor);
    if (!claim.ok) return { card: awsFindingCard(finding, 'done', alreadyActed(claim.finding)) };
    return {
      card: awsFindingCard(
        finding,
        'acting',
        `Adoption asked for by ${actor.name}: requesting an address for ${finding.accountId} through the usual approval…`,
      ),
      afterwards: async () => {
        let outcome: string;
        let failed = false;
        try {
          const result = await this.deps.adoptions.start({
            accountId: finding.accountId,
            by: actor,
            origin: 'chat',
            contact,
          });
          outcome = describeStart(result, actor);
          if (result.kind === 'started') this.deps.adoptions.carryOut(result.adoption.adoptionId);
        } catch (err) {
          failed = true;
          outcome = chatSentence(classifyFailure(err, this.deps.logger, { verb: 'aws.adopt' }));
        }
        await this.finish(subject, current, clicked, outcome, failed);
      },
    };
  }

  /**
   * Remove on a root-access-key or root-password finding: admins, as `root-credentials remove`; answered at
   * once, the removal (with someone else's approval) follows, and its end shows on this card.
   */
  async removeFromFinding(
    subject: string,
    actor: Principal,
    options: { mfa: boolean; contact: RequestContact },
  ): Promise<FindingAnswer> {
    const current = await this.deps.findings.get(subject);
    if (!current) return { text: NO_LONGER_OPEN };
    const finding = current.finding;
    const rootAccess = this.deps.rootAccess;
    if ((finding.kind !== 'root-access-key' && finding.kind !== 'root-password') || !rootAccess)
      return {
        card: awsFindingCard(finding, 'open', 'There are no root credentials to remove on this finding.'),
      };
    if (current.action && !current.action.failed)
      return { card: awsFindingCard(finding, 'acting', alreadyActed(current)) };
    const verdict = mayAdoptAccounts(actor); // the same admins-only rule
    if (!verdict.allowed) {
      await this.deps.audit.record({
        subject: `aws:${finding.accountId}`,
        action: 'root-credentials.ask-refused',
        actorId: actor.id,
        actorName: actor.name,
        detail: 'from a finding: only admins can have root credentials removed',
      });
      return {
        card: awsFindingCard(
          finding,
          'open',
          'Only an admin (listed in ADMIN_IDS) can have root credentials removed. Your attempt was recorded.',
        ),
      };
    }
    // The finding is claimed first, so that a removal is asked for once, by whoever claimed it.
    const claim = await this.claim(subject, 'remove', actor);
    if (!claim.ok) return { card: awsFindingCard(finding, 'acting', alreadyActed(claim.finding)) };
    const asked = await rootAccess.ask({
      kind: 'removal',
      account: finding.accountId,
      reason: `reconciliation finding: ${FINDING_REASON[finding.kind]}`,
      by: actor,
      origin: 'chat',
      contact: options.contact,
      mfa: options.mfa,
      finding: subject,
    });
    if (asked.kind !== 'created') {
      const problem =
        asked.kind === 'refused'
          ? asked.problem
          : `Root access ${asked.access.id} to this account is under way already (${asked.access.state}); act once it has ended.`;
      // Not asked: the claim is given back (failed), so the finding can be acted on again.
      await this.deps.findings.change(subject, (latest) =>
        latest?.action
          ? { ...latest, action: { ...latest.action, outcome: problem, failed: true } }
          : undefined,
      );
      return { card: awsFindingCard(finding, 'open', problem) };
    }
    const note =
      `Removal ${asked.access.id} asked for by ${actor.name}${options.mfa ? ' (MFA devices too)' : ''}: waiting for ` +
      `${asked.access.approvers.map((p) => p.name).join(' or ')} to approve. This card shows the outcome.`;
    await this.deps.findings.change(subject, (latest) =>
      latest?.action ? { ...latest, action: { ...latest.action, outcome: note } } : undefined,
    );
    return {
      card: awsFindingCard(finding, 'acting', note),
      afterwards: async () => rootAccess.carryOut(asked.access.id),
    };
  }

  /** A removal asked for from a finding ended: its card (the clicked one, or the finding's own) says how. */
  async settleRemoval(subject: string, outcome: string, failed: boolean): Promise<void> {
    const current = await this.deps.findings.get(subject);
    if (!current || current.action?.verb !== 'remove') return;
    await this.finish(subject, current, undefined, outcome, failed);
  }

  /** One action per finding: the first click stored wins; a failed one may be tried again. */
  private async claim(
    subject: string,
    verb: 'retire' | 'adopt' | 'remove',
    actor: Principal,
  ): Promise<{ ok: true } | { ok: false; finding: ReportedFinding }> {
    const at = this.deps.clock.now().toISOString();
    const { changed, finding } = await this.deps.findings.change(subject, (latest) =>
      latest && (!latest.action || latest.action.failed)
        ? { ...latest, action: { verb, by: { id: actor.id, name: actor.name }, at } }
        : undefined,
    );
    return changed ? { ok: true } : { ok: false, finding: finding! };
  }

  private async finish(
    subject: string,
    reported: ReportedFinding,
    clicked: PostedMessage | undefined,
    outcome: string,
    failed: boolean,
  ): Promise<void> {
    await this.deps.findings.change(subject, (latest) =>
      latest?.action ? { ...latest, action: { ...latest.action, outcome, failed } } : undefined,
    );
    const where = clicked ?? (reported.digest ? undefined : reported.card);
    if (where)
      await this.deps.chat.update(where, {
        card: awsFindingCard(reported.finding, failed ? 'failed' : 'done', outcome),
      });
  }
}

const FINDING_REASON: Record<'root-access-key' | 'root-password', string> = {
  'root-access-key': 'a root access key',
  'root-password': 'a root password outside an approved session',
};

const NO_LONGER_OPEN =
  'This finding is no longer open: the last reconciliation did not see it again. Type `reconcile` to check now.';

function alreadyActed(r: ReportedFinding | undefined): string {
  const a = r?.action;
  if (!a) return 'Someone acted on this finding already.';
  const what =
    a.verb === 'retire'
      ? 'retired the address'
      : a.verb === 'adopt'
        ? 'started the adoption'
        : 'asked for the removal of the root credentials';
  return `${a.by.name} ${what} at ${formatTime(a.at)}${a.outcome ? `: ${a.outcome}` : '.'}`;
}

function busyText(running: ReconcileRun | undefined): string {
  return running
    ? `A reconciliation is already running (started ${formatTime(running.startedAt)}${running.by ? ` by ${running.by.name}` : ', hourly'}); \`status\` shows its result when it ends.`
    : 'A reconciliation is already running; `status` shows its result when it ends.';
}

export function describeStart(result: StartResult, actor: Principal): string {
  switch (result.kind) {
    case 'started':
      return `Adoption ${result.adoption.adoptionId} started by ${actor.name}: address request ${result.request.requestId} is waiting for ${result.request.approvers.map((p) => p.name).join(' or ')}.`;
    case 'linked':
      return `Its root e-mail ${result.record.address} is already one of ours: linked to ${result.record.awsAccountId} by ${actor.name}.`;
    case 'already-linked':
      return `Already in the registry: ${result.address}.`;
    case 'in-progress':
      return `Adoption ${result.adoption.adoptionId} of this account is already under way (${result.adoption.state}).`;
  }
}

/** Why a run failed, in an admin's words (AWS errors carry their own advice). */
function describeFailure(err: unknown): string {
  if (err instanceof AwsAccountsError) return err.message;
  if (err instanceof DependencyUnavailableError) return `${err.dependency} could not be reached.`;
  if (err instanceof AddressError) return err.message;
  return 'An unexpected error (see the log).';
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}
