import type { OperationalStatus } from '../domain/operationalStatus';
import { describeByKind } from '../domain/reconcileRuns';
import { formatTime } from '../domain/timeWording';
import { describeRootAudit } from './awsCards';
import { AdaptiveCard, prepareCard } from './cardTemplates';
import statusTemplate from './status.json';

interface StatusCardData {
  headline: string;
  instance: string;
  store: string;
  subscription: string;
  pendingApprovals: string;
  lastMail: string;
  poolSummary: string;
  aws: string;
  rootUsers: string;
  mailboxes: { mailbox: string; line: string }[];
  mailDays: string;
  mailClasses: { name: string; line: string }[];
  warnings: string[];
}

const CLASS_NAMES: Record<string, string> = {
  secret: 'Codes and links',
  security: 'Security',
  'account-billing': 'Account and billing',
  'service-notice': 'Service notices',
  noise: 'Noise',
  'not-aws': 'Not from AWS',
  suspicious: 'Suspicious',
  'aws-other': 'Other AWS mail',
};

const WENT: Record<string, string> = {
  'oncall-secret': 'on-call (masked)',
  'oncall-urgent': 'on-call (urgent)',
  owner: "owner's chat",
  'oncall-if-no-owner': 'on-call (no owner)',
  digest: 'daily digest',
  recorded: 'recorded only',
  'oncall-warning': 'on-call (warning)',
  'oncall-aws-mail': 'on-call (AWS mail)',
  'handed-to-adoption': 'adoption',
  'handed-to-requester': 'root-access requester',
};

const expandStatus = prepareCard<StatusCardData>(statusTemplate);

/** The `status` answer: the figures on-call looks at first, and the mail of the last days by class, in words. */
export function statusCard(status: OperationalStatus): AdaptiveCard {
  const sub = status.subscription;
  return expandStatus({
    headline: !status.store.reachable
      ? 'store unavailable'
      : status.warnings.length
        ? 'needs attention'
        : 'all good',
    instance: status.instance ?? '(unknown)',
    store: `${status.store.kind === 'cosmos' ? 'Cosmos DB' : 'embedded'}, ${status.store.reachable ? 'reachable' : 'NOT reachable'}`,
    subscription: !sub.configured
      ? 'not configured (no MAILBOX)'
      : sub.expiresAt
        ? `expires ${formatTime(sub.expiresAt)} (${sub.hoursLeft} h left)`
        : 'none yet',
    pendingApprovals: String(status.pendingApprovals),
    lastMail: status.lastRelayedMail
      ? `${formatTime(status.lastRelayedMail.at)}, ${status.lastRelayedMail.kind ?? status.lastRelayedMail.mailClass ?? 'mail'}` +
        (status.lastRelayedMail.accountName ? ` for ${status.lastRelayedMail.accountName}` : '')
      : 'none yet',
    poolSummary:
      status.pool.strategy === 'plus'
        ? 'plus addressing (no pool needed)'
        : `${status.pool.free} free in ${status.pool.mailboxes.length} mailbox(es)${status.pool.low ? ' — LOW' : ''}`,
    aws: describeAws(status.aws),
    rootUsers:
      status.aws.configured && status.aws.lastRun?.rootAudit
        ? describeRootAudit(status.aws.lastRun.rootAudit)
        : '',
    mailboxes: status.pool.mailboxes.map((m) => ({
      mailbox: m.mailbox,
      line: `${m.free} free, ${m.assigned} assigned, ${m.quarantined} quarantined (capacity ${m.capacity})`,
    })),
    mailDays: status.mails ? `Mail since ${status.mails.since} (${status.mails.days} days)` : '',
    mailClasses: (status.mails?.classes ?? []).map((c) => ({
      name: CLASS_NAMES[c.class] ?? c.class,
      line: c.arrived
        ? `${c.arrived}: ${Object.entries(c.went)
            .map(([to, n]) => `${n} ${WENT[to] ?? to}`)
            .join(', ')}`
        : 'none',
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
  const sessions = aws.liveRootSessions ? `; ${aws.liveRootSessions} break-glass root session(s) open` : '';
  return `${last}${running}; ${aws.openAdoptions} adoption(s) under way${sessions}`;
}
