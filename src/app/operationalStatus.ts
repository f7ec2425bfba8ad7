import { SUBSCRIPTION_ALERT } from './mail/inboxSubscription';
import type { MailRecord } from './mail/mailRecords';
import type { MailboxLevel } from './addressPool';
import type { AppServices } from './services';

/** The figures on-call and admins look at first: what `status` and /healthz report. */
export interface OperationalStatus {
  store: { kind: 'embedded' | 'cosmos'; reachable: boolean };
  subscription:
    | { configured: false }
    | {
        configured: true;
        expiresAt?: string;
        hoursLeft?: number;
        /** Set while renewals fail (the on-call channel was told once). */
        renewalFailingSince?: string;
      };
  pool: {
    strategy: 'pool' | 'plus';
    mailboxes: Pick<MailboxLevel, 'mailbox' | 'capacity' | 'free' | 'assigned' | 'quarantined'>[];
    free: number;
    low: boolean;
  };
  pendingApprovals: number;
  lastRelayedMail?: { at: string; mailClass?: string; accountName?: string };
  /** Things someone should look at, in words. */
  warnings: string[];
}

type Deps = Pick<AppServices, 'store' | 'clock' | 'config' | 'pool'>;

export async function readOperationalStatus(deps: Deps): Promise<OperationalStatus> {
  const { store, clock, config } = deps;
  const reachable = await store.ping();
  const storeStatus = { kind: store.kind, reachable };
  if (!reachable) {
    return {
      store: storeStatus,
      subscription: config.mail.mailbox ? { configured: true } : { configured: false },
      pool: { strategy: config.addresses.strategy, mailboxes: [], free: 0, low: false },
      pendingApprovals: 0,
      warnings: ['The store does not answer: nothing can be read or changed.'],
    };
  }

  const [subscription, renewalAlert, pool, pendingApprovals, [lastMail]] = await Promise.all([
    store.get<{ expiresAt?: string }>('subscriptions', 'inbox'),
    store.get<{ raised: boolean; at: string }>('settings', `alert:${SUBSCRIPTION_ALERT}`),
    deps.pool.status(),
    store.count('requests', { state: 'pending' }),
    store.query<MailRecord>(
      'mails',
      { state: 'posted' },
      { orderBy: 'startedAt', descending: true, limit: 1 },
    ),
  ]);

  const warnings: string[] = [];
  let subscriptionStatus: OperationalStatus['subscription'] = { configured: false };
  if (config.mail.mailbox) {
    const expiresAt = subscription?.expiresAt;
    const hoursLeft = expiresAt
      ? Math.round(((Date.parse(expiresAt) - clock.now().getTime()) / 3_600_000) * 10) / 10
      : undefined;
    subscriptionStatus = {
      configured: true,
      expiresAt,
      hoursLeft,
      renewalFailingSince: renewalAlert?.raised ? renewalAlert.at : undefined,
    };
    if (!expiresAt) warnings.push('There is no Graph subscription on the central mailbox yet.');
    else if (hoursLeft !== undefined && hoursLeft <= 0) warnings.push('The Graph subscription has expired.');
    if (renewalAlert?.raised) warnings.push(`Graph subscription renewal failing since ${renewalAlert.at}.`);
  }
  if (pool.low) warnings.push(`The address pool is low: ${pool.totals.free} free.`);

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
    lastRelayedMail: lastMail
      ? {
          at: lastMail.receivedAt ?? lastMail.startedAt,
          mailClass: lastMail.mailClass,
          accountName: lastMail.accountName,
        }
      : undefined,
    warnings,
  };
}
