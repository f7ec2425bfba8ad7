import type { OperationalStatus } from '../domain/operationalStatus';
import { describeByKind } from '../domain/reconcileRuns';
import { formatTime } from '../domain/requestWording';
import { AdaptiveCard, prepareCard } from './cardTemplates';
import statusTemplate from './status.json';

interface StatusCardData {
  headline: string;
  store: string;
  subscription: string;
  pendingApprovals: string;
  lastMail: string;
  poolSummary: string;
  aws: string;
  mailboxes: { mailbox: string; line: string }[];
  warnings: string[];
}

const expandStatus = prepareCard<StatusCardData>(statusTemplate);

/** The `status` answer: the five figures on-call looks at first, in words. */
export function statusCard(status: OperationalStatus): AdaptiveCard {
  const sub = status.subscription;
  return expandStatus({
    headline: !status.store.reachable
      ? 'store unavailable'
      : status.warnings.length
        ? 'needs attention'
        : 'all good',
    store: `${status.store.kind === 'cosmos' ? 'Cosmos DB' : 'embedded'}, ${status.store.reachable ? 'reachable' : 'NOT reachable'}`,
    subscription: !sub.configured
      ? 'not configured (no MAILBOX)'
      : sub.expiresAt
        ? `expires ${sub.expiresAt} (${sub.hoursLeft} h left)`
        : 'none yet',
    pendingApprovals: String(status.pendingApprovals),
    lastMail: status.lastRelayedMail
      ? `${status.lastRelayedMail.at}, ${status.lastRelayedMail.mailClass ?? 'mail'}` +
        (status.lastRelayedMail.accountName ? ` for ${status.lastRelayedMail.accountName}` : '')
      : 'none yet',
    poolSummary:
      status.pool.strategy === 'plus'
        ? 'plus addressing (no pool needed)'
        : `${status.pool.free} free in ${status.pool.mailboxes.length} mailbox(es)${status.pool.low ? ' — LOW' : ''}`,
    aws: describeAws(status.aws),
    mailboxes: status.pool.mailboxes.map((m) => ({
      mailbox: m.mailbox,
      line: `${m.free} free, ${m.assigned} assigned, ${m.quarantined} quarantined (capacity ${m.capacity})`,
    })),
    warnings: status.warnings,
  });
}

function describeAws(aws: OperationalStatus['aws']): string {
  if (!aws.configured) return 'not configured';
  const run = aws.lastRun;
  const last = !run
    ? 'not reconciled yet'
    : run.state === 'failed'
      ? `last run ${formatTime(run.startedAt)} FAILED`
      : `last run ${formatTime(run.startedAt)}: ${run.accounts} accounts, ${run.autoLinked} linked by reconciliation, ${run.findings} open finding(s) (${describeByKind(run.byKind)})`;
  const running = aws.running ? `; running since ${formatTime(aws.running.startedAt)}` : '';
  return `${last}${running}; ${aws.openAdoptions} adoption(s) under way`;
}
