import type { OperationalStatus } from '../domain/operationalStatus';
import { formatTime } from '../domain/timeWording';
import type { Clock } from '../ports/clock';
import type { DocumentStore } from '../ports/documentStore';
import type { AddressPool } from './addresses/addressPool';
import type { InboxSubscription } from './mail/inboxSubscription';
import { labelOf } from './mail/mailCard';
import type { MailRecords } from './mail/mailRecords';
import type { AddressRequestService } from './requests/addressRequestService';

export interface StatusSources {
  store: Pick<DocumentStore, 'kind' | 'ping'>;
  clock: Clock;
  strategy: 'pool' | 'plus';
  pool: Pick<AddressPool, 'status'>;
  requests: Pick<AddressRequestService, 'countPending'>;
  mails: Pick<MailRecords, 'lastPosted' | 'figures'>;
  /** Absent when no MAILBOX is configured. */
  subscription?: Pick<InboxSubscription, 'status'>;
  /** Absent when AWS Organizations is not configured. */
  aws?: { status(): Promise<OperationalStatus['aws']> };
}

/** Reconciliation runs hourly: a last run older than this means the job is not running. */
const STALE_RECONCILE_MS = 3 * 3_600_000;
/** The mail figures cover this many days, today included. */
const MAIL_DAYS = 7;

/** Asks each owner for its figure; reads no document itself. */
export async function readOperationalStatus(deps: StatusSources): Promise<OperationalStatus> {
  const { store, clock } = deps;
  const reachable = await store.ping();
  const storeStatus = { kind: store.kind, reachable };
  if (!reachable) {
    return {
      store: storeStatus,
      subscription: deps.subscription ? { configured: true } : { configured: false },
      pool: { strategy: deps.strategy, mailboxes: [], free: 0, low: false },
      pendingApprovals: 0,
      aws: { configured: false },
      warnings: ['The store does not answer: nothing can be read or changed.'],
    };
  }

  const [subscription, pool, pendingApprovals, lastMail, mails, aws] = await Promise.all([
    deps.subscription?.status(),
    deps.pool.status(),
    deps.requests.countPending(),
    deps.mails.lastPosted(),
    deps.mails.figures(MAIL_DAYS),
    deps.aws?.status() ?? Promise.resolve({ configured: false as const }),
  ]);

  const warnings: string[] = [];
  let subscriptionStatus: OperationalStatus['subscription'] = { configured: false };
  if (subscription) {
    const expiresAt = subscription.expiresAt;
    const hoursLeft = expiresAt
      ? Math.round(((Date.parse(expiresAt) - clock.now().getTime()) / 3_600_000) * 10) / 10
      : undefined;
    subscriptionStatus = {
      configured: true,
      expiresAt,
      hoursLeft,
      renewalFailingSince: subscription.renewalFailingSince,
    };
    if (!expiresAt) warnings.push('There is no Graph subscription on the central mailbox yet.');
    else if (hoursLeft !== undefined && hoursLeft <= 0) warnings.push('The Graph subscription has expired.');
    if (subscription.renewalFailingSince)
      warnings.push(`Graph subscription renewal failing since ${subscription.renewalFailingSince}.`);
  }
  if (pool.low) warnings.push(`The address pool is low: ${pool.totals.free} free.`);
  if (aws.configured && aws.lastRun) {
    const last = aws.lastRun;
    if (last.state === 'failed')
      warnings.push(
        `Reconciliation with AWS Organizations failed at ${formatTime(last.startedAt)}: ${last.error}`,
      );
    else if (clock.now().getTime() - Date.parse(last.startedAt) > STALE_RECONCILE_MS)
      warnings.push(`No reconciliation with AWS Organizations since ${formatTime(last.startedAt)}.`);
    const keys = last.rootAudit?.withAccessKeys ?? 0;
    if (keys)
      warnings.push(
        `${keys} AWS account(s) have root access keys: remove them (the findings are in the on-call channel).`,
      );
  }

  return {
    store: storeStatus,
    subscription: subscriptionStatus,
    pool: {
      strategy: pool.strategy,
      mailboxes: pool.mailboxes.map(({ mailbox, capacity, free, assigned, quarantined }) => ({
        mailbox,
        capacity,
        free,
        assigned,
        quarantined,
      })),
      free: pool.totals.free,
      low: pool.low,
    },
    pendingApprovals,
    aws,
    lastRelayedMail: lastMail
      ? {
          at: lastMail.receivedAt ?? lastMail.startedAt,
          mailClass: lastMail.class ?? lastMail.mailClass,
          kind: labelOf(lastMail),
          accountName: lastMail.accountName,
        }
      : undefined,
    mails,
    warnings,
  };
}
