import { describeOwner } from '../domain/addressChanges';
import { Adoption, describeAdoption } from '../domain/adoptions';
import type { DriftFinding, FindingKind } from '../domain/reconciliation';
import { describeByKind, ReconcileRun, RootAuditRun } from '../domain/reconcileRuns';
import { maskKeyId } from '../domain/rootPosture';
import { formatTime } from '../domain/timeWording';
import { AdaptiveCard, prepareCard } from './cardTemplates';
import { trusted, TrustedText } from './inertText';
import awsAdoptionTemplate from './awsAdoption.json';
import awsFindingTemplate from './awsFinding.json';
import awsReconcileTemplate from './awsReconcile.json';

/** Cards of the AWS Organizations feature: a drift finding, an adoption, a reconciliation run. */

type Fact = { title: string; value: string };

interface FindingCardData {
  subject: string;
  title: string;
  color: string;
  summary: string;
  facts: Fact[];
  note: string;
  noteColor: string;
  showRetire: boolean;
  showAdopt: boolean;
  /** Root credentials to remove (with someone else's approval), with the MFA option beside it. */
  showRemove: boolean;
}

interface AdoptionCardData {
  title: string;
  color: string;
  status: string;
  facts: Fact[];
  note: string;
}

interface ReconcileCardData {
  title: string;
  color: string;
  facts: Fact[];
  lines: string[];
  note: string | TrustedText;
}

const expandFinding = prepareCard<FindingCardData>(awsFindingTemplate);
const expandAdoption = prepareCard<AdoptionCardData>(awsAdoptionTemplate);
const expandReconcile = prepareCard<ReconcileCardData>(awsReconcileTemplate);

const FINDING_TITLES: Record<FindingKind, string> = {
  'ended-account-still-assigned': 'AWS account ended, its address is still assigned',
  'unassigned-address-in-use': 'An AWS account uses an address the registry has as free or retired',
  'account-id-mismatch': 'The registry and AWS Organizations disagree',
  'account-not-in-registry': 'AWS account with a root e-mail outside the registry',
  'assigned-address-unused': 'Address assigned, but no AWS account uses it',
  'linked-account-not-in-organization': 'Linked AWS account is not in the organisation',
  'root-access-key': 'Root access key in a member account',
  'root-password': 'Root password outside an approved session',
};

/**
 * Where a finding's card stands: open (with its button), acting (a button was clicked, the work runs),
 * done or failed (the outcome), resolved (reconciliation no longer sees it).
 */
export type FindingPhase = 'open' | 'acting' | 'done' | 'failed' | 'resolved';

/** A drift finding on the on-call channel; Retire or Adopt while it is open and the finding suggests it. */
export function awsFindingCard(finding: DriftFinding, phase: FindingPhase, note = ''): AdaptiveCard {
  const open = phase === 'open';
  return expandFinding({
    subject: finding.subject,
    title: FINDING_TITLES[finding.kind],
    color: phase === 'resolved' || phase === 'done' ? 'Good' : 'Warning',
    summary: finding.summary,
    facts: findingFacts(finding),
    note,
    noteColor: phase === 'failed' ? 'Attention' : phase === 'open' ? 'Default' : 'Good',
    // Only an assigned address can be retired; a free alias an ended account holds has no button (yet).
    showRetire: open && finding.kind === 'ended-account-still-assigned',
    showAdopt: open && finding.suggestion === 'adopt' && finding.kind === 'account-not-in-registry',
    showRemove: open && (finding.kind === 'root-access-key' || finding.kind === 'root-password'),
  });
}

function findingFacts(finding: DriftFinding): Fact[] {
  const account = (id: string, name?: string) => (name ? `${id} (${name})` : id);
  const facts: [string, string | undefined][] = [];
  switch (finding.kind) {
    case 'ended-account-still-assigned':
      facts.push(
        ['AWS account', account(finding.accountId, finding.accountName)],
        ['Account state', finding.accountState],
        ['Address', finding.address],
        ['Owner', finding.owner && describeOwner(finding.owner)],
      );
      break;
    case 'assigned-address-unused':
      facts.push(
        ['Address', finding.address],
        ['Owner', finding.owner && describeOwner(finding.owner)],
        ['Assigned', `${finding.assignedAt.slice(0, 10)} (${finding.daysAssigned} days ago)`],
      );
      break;
    case 'account-not-in-registry':
      facts.push(
        ['AWS account', account(finding.accountId, finding.accountName)],
        ['Account state', finding.accountState],
        ['Root e-mail', finding.accountEmail],
      );
      break;
    case 'account-id-mismatch':
      facts.push(
        ['Address', finding.address],
        ['Registry has', finding.registryAccountId ?? 'no account id'],
        ['Organizations has', `${finding.organizationsAccountId}, root e-mail ${finding.organizationsEmail}`],
      );
      break;
    case 'unassigned-address-in-use':
      facts.push(
        ['Address', `${finding.address} (${finding.recordState} in the registry)`],
        ['AWS account', account(finding.accountId, finding.accountName)],
        ['Account state', finding.accountState],
      );
      break;
    case 'linked-account-not-in-organization':
      facts.push(
        ['Address', finding.address],
        ['Linked to', finding.registryAccountId],
        ['Owner', finding.owner && describeOwner(finding.owner)],
      );
      break;
    case 'root-access-key':
      facts.push(
        ['AWS account', account(finding.accountId, finding.accountName)],
        ...finding.accessKeys.map((k): [string, string] => [
          `Access key ${maskKeyId(k.id)}`,
          `${k.active ? 'active' : 'inactive'}${k.createdAt ? `, created ${k.createdAt.slice(0, 10)}` : ''}${k.lastUsedAt ? `, last used ${formatTime(k.lastUsedAt)}` : ', never used'}`,
        ]),
      );
      break;
    case 'root-password':
      facts.push(
        ['AWS account', account(finding.accountId, finding.accountName)],
        ['Password set', finding.passwordCreatedAt && formatTime(finding.passwordCreatedAt)],
      );
      break;
  }
  return facts.filter((f): f is [string, string] => !!f[1]).map(([title, value]) => ({ title, value }));
}

/** An adoption as the requester and on-call see it, updated in place as it moves on. */
export function awsAdoptionCard(adoption: Adoption, note = ''): AdaptiveCard {
  const facts: [string, string | undefined][] = [
    ['AWS account', `${adoption.accountId} (${adoption.accountName})`],
    ['Root e-mail before', adoption.previousEmail],
    ['New root e-mail', adoption.address ?? 'allocated once the request is approved'],
    ['Address request', adoption.requestId],
    ['Asked by', adoption.requester.name],
    [
      'Code expected by',
      adoption.state === 'awaiting-code' && adoption.codeRequestedAt
        ? formatTime(adoption.codeDeadline)
        : undefined,
    ],
    ['Linked at', adoption.linkedAt && formatTime(adoption.linkedAt)],
    ['Adoption', adoption.adoptionId],
  ];
  return expandAdoption({
    title: `Adoption of AWS account ${adoption.accountId} (${adoption.accountName})`,
    color: adoption.state === 'linked' ? 'Good' : adoption.state === 'ended' ? 'Attention' : 'Default',
    status: describeAdoption(adoption),
    facts: facts.filter((f): f is [string, string] => !!f[1]).map(([title, value]) => ({ title, value })),
    note,
  });
}

/** The answer to `reconcile` and the result of a run: counts, and what was reported. */
export function reconcileSummaryCard(run: ReconcileRun, note = ''): AdaptiveCard {
  const failed = run.state === 'failed';
  const facts: [string, string][] = [
    ['Started', `${formatTime(run.startedAt)}${run.by ? ` by ${run.by.name}` : ' (hourly)'}`],
    ['AWS accounts', String(run.accounts)],
    ['Registry records compared', String(run.records)],
    ['Accounts the registry knows', String(run.known)],
    [
      'Linked by reconciliation',
      `${run.autoLinked}${run.autoLinkFailed ? ` (${run.autoLinkFailed} refused)` : ''}`,
    ],
    ['Open findings', `${run.findings}: ${describeByKind(run.byKind)}`],
    [
      'Reported now',
      `${run.reported} new or changed, ${run.resolved} resolved, ${run.unchanged} reported before`,
    ],
    ...(run.rootAudit ? [['Root users', describeRootAudit(run.rootAudit)] as [string, string]] : []),
  ];
  return expandReconcile({
    title: failed
      ? 'Reconciliation with AWS Organizations failed'
      : run.state === 'running'
        ? 'Reconciling with AWS Organizations…'
        : 'Reconciliation with AWS Organizations',
    color: failed ? 'Attention' : 'Good',
    facts: (failed ? facts.slice(0, 1) : facts).map(([title, value]) => ({ title, value })),
    lines: failed && run.error ? [run.error] : [],
    note:
      note ||
      trusted(
        run.unposted
          ? `${run.unposted} finding(s) could not be posted: no on-call channel is set up (an admin types "setup oncall" in a channel).`
          : '',
      ),
  });
}

/** The root-user part of a run in one line: audits now, and what the linked accounts' root users have. */
export function describeRootAudit(root: RootAuditRun): string {
  if (root.off) return 'not audited: centralized root access is off in the organisation';
  const run = [
    `this run checked ${root.audited}`,
    root.failed && `${root.failed} failed`,
    root.deferred && `${root.deferred} left for the next run`,
  ].filter(Boolean);
  return (
    `root credentials in ${root.withCredentials} of ${root.checked} linked member account(s) ` +
    `(${root.withAccessKeys} with access keys, ${root.withPassword} with a password); ${run.join(', ')}` +
    (root.problem ? `. Stopped: ${root.problem}` : '')
  );
}

/** More findings at once than cards are posted for: one card lists the rest. */
export function driftDigestCard(findings: DriftFinding[], shown: number): AdaptiveCard {
  const byKind: Partial<Record<FindingKind, number>> = {};
  for (const f of findings) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
  const lines = findings.slice(0, shown).map((f) => f.summary);
  return expandReconcile({
    title: `${findings.length} more drift finding(s) from AWS Organizations`,
    color: 'Warning',
    facts: [{ title: 'By kind', value: describeByKind(byKind) }],
    lines,
    // Our own words; Teams would drop <…> as an unknown HTML tag, so the placeholders use angle quotes.
    note: trusted(
      (findings.length > shown ? `…and ${findings.length - shown} more. ` : '') +
        'Act on them with adopt ‹aws-account-id› and retire ‹address›, or list them all with GET /api/v1/reconcile.',
    ),
  });
}
