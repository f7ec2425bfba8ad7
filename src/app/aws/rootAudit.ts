import type { AwsAccount } from '../../domain/awsAccounts';
import type { RootAuditRun } from '../../domain/reconcileRuns';
import {
  countRootPostures,
  RootFinding,
  rootAccessOff,
  rootAuditTargets,
  rootFindings,
  RootPosture,
} from '../../domain/rootPosture';
import type { Logger } from '../../log/logger';
import {
  AwsAccountsError,
  AwsAccountsPort,
  NotManagementAccountError,
  RootAccessOffError,
} from '../../ports/awsAccounts';
import type { Clock } from '../../ports/clock';
import type { OnCallAlerts } from '../alerts';
import { Limiter } from '../limiter';
import { isAwsOutage } from './awsErrors';
import type { RootPostures } from './rootPostures';

/** How fast root users are audited: AssumeRoot calls share the management account's STS quota with others. */
export interface RootAuditPace {
  /** Audits at once. */
  concurrency: number;
  /** Audits started per second at most. */
  perSecond: number;
  /**
   * No audit starts later than this into a run, so the run ends well inside its lease (15 minutes); the
   * accounts left are the stalest at the next run (at 10 a second that is 6,000 accounts a run).
   */
  budgetMs: number;
}

export const DEFAULT_ROOT_AUDIT_PACE: RootAuditPace = {
  concurrency: 4,
  perSecond: 10,
  budgetMs: 10 * 60_000,
};

export interface RootAuditDeps {
  aws: AwsAccountsPort;
  postures: RootPostures;
  alerts: OnCallAlerts;
  clock: Clock;
  logger: Logger;
  pace: RootAuditPace;
}

/** On-call is told once while root access is off, and once while AWS refuses the audits. */
const OFF_ALERT = 'aws-root-access-off';
const REFUSED_ALERT = 'aws-root-audit-refused';

/**
 * The root-user part of a reconciliation run: asks whether centralized root access is on, audits the linked
 * member accounts that are due (IAMAuditRootUserCredentials, paced), keeps what it found, and answers the
 * findings over every linked account's root user as last audited — so an audit that cannot run (root access
 * off, AWS refusing) leaves the findings as they were instead of resolving them.
 */
export class RootAudit {
  constructor(private readonly deps: RootAuditDeps) {}

  async run(input: {
    accounts: readonly AwsAccount[];
    linkedAccountIds: ReadonlySet<string>;
    /** On demand every linked account; hourly those not audited for about a day. */
    everyAccount: boolean;
    /** Accounts with an approved root-access session open: their root password is expected. */
    openSessions?: ReadonlySet<string>;
  }): Promise<{ summary: RootAuditRun; findings: RootFinding[] }> {
    const { postures, clock } = this.deps;
    const known = await postures.all();
    // Each audit's posture goes into `known` as it is stored: the current postures without reading them again.
    const audits = await this.audit(
      known,
      rootAuditTargets({
        accounts: input.accounts,
        linkedAccountIds: input.linkedAccountIds,
        postures: known,
        now: clock.now(),
        everyAccount: input.everyAccount,
      }),
    );
    const members = new Set(
      input.accounts
        .filter((a) => !a.isManagementAccount && input.linkedAccountIds.has(a.id))
        .map((a) => a.id),
    );
    const current = [...known.values()].filter((p: RootPosture) => members.has(p.accountId));
    return {
      summary: { ...countRootPostures(current), ...audits },
      findings: rootFindings(current, input.openSessions),
    };
  }

  private async audit(
    postures: Map<string, RootPosture>,
    targets: AwsAccount[],
  ): Promise<Pick<RootAuditRun, 'audited' | 'failed' | 'deferred' | 'off' | 'problem'>> {
    const { aws, alerts, logger } = this.deps;
    let off: string | undefined;
    try {
      off = rootAccessOff(await aws.rootAccessFeatures());
    } catch (err) {
      return { audited: 0, failed: 0, deferred: 0, problem: await this.stopped(err) };
    }
    if (off) {
      await alerts.raise(OFF_ALERT, off);
      return { audited: 0, failed: 0, deferred: 0, off: true, problem: off };
    }
    await alerts.clear(OFF_ALERT);

    let audited = 0;
    let failed = 0;
    let deferred = 0;
    let problem: string | undefined;
    const deadline = Date.now() + this.deps.pace.budgetMs;
    const auditOne = async (account: AwsAccount) => {
      const at = this.deps.clock.now().toISOString();
      try {
        const credentials = await aws.auditRootCredentials(account.id);
        postures.set(account.id, await this.deps.postures.checked(account, credentials, at));
        audited++;
      } catch (err) {
        if (!(err instanceof AwsAccountsError)) throw err;
        failed++;
        postures.set(account.id, await this.deps.postures.failed(account, err.message, at));
        if (!stopsTheAudit(err))
          logger.warn({ accountId: account.id, reason: err.message }, 'root audit failed for one account');
        else if (!problem) {
          problem = err.message;
          await this.stopped(err);
        }
      }
    };
    // The first audit goes alone: a refusal that holds for every account stops the run after one call.
    const [first, ...rest] = targets;
    if (first) await auditOne(first);
    const limiter = new Limiter(this.deps.pace.concurrency);
    const gapMs = 1000 / this.deps.pace.perSecond;
    let nextStart = Date.now() + gapMs;
    await Promise.all(
      rest.map((account) =>
        limiter.run(async () => {
          if (problem) return;
          const wait = nextStart - Date.now();
          nextStart = Math.max(nextStart, Date.now()) + gapMs;
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          if (problem) return;
          if (Date.now() > deadline) deferred++;
          else await auditOne(account);
        }),
      ),
    );
    if (!problem) await alerts.clear(REFUSED_ALERT);
    if (deferred) logger.info({ deferred }, 'root audits left for the next run (time budget spent)');
    return { audited, failed, deferred, ...(problem ? { problem } : {}) };
  }

  /** AWS refused or could not be reached: on-call hears of a refusal once; an outage is in the run only. */
  private async stopped(err: unknown): Promise<string> {
    if (!(err instanceof AwsAccountsError)) throw err;
    this.deps.logger.warn({ reason: err.message }, 'root audit stopped');
    if (!isAwsOutage(err))
      await this.deps.alerts.raise(
        REFUSED_ALERT,
        `RootMail cannot audit member accounts' root users: ${err.message}`,
      );
    return err.message;
  }
}

/** Refusals that are the same for every account (the role, the organisation, AWS itself): stop asking. */
function stopsTheAudit(err: AwsAccountsError): boolean {
  return (
    err.operation === 'AssumeRoot' ||
    err instanceof RootAccessOffError ||
    err instanceof NotManagementAccountError ||
    isAwsOutage(err)
  );
}
