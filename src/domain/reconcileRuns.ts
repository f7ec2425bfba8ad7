import type { FindingKind } from './reconciliation';
import type { RootPostureCounts } from './rootPosture';

/** The root-user part of a run: audits made now, and the accounts' root users as last audited. */
export interface RootAuditRun extends RootPostureCounts {
  /** Root users audited by this run, and audits that failed. */
  audited: number;
  failed: number;
  /** Accounts due that this run left to the next (its time budget was spent). */
  deferred: number;
  /** Centralized root access is off in the organisation: nothing was audited. */
  off?: boolean;
  /** Why this run audited nothing or stopped early (root access off, AWS refused or unreachable). */
  problem?: string;
}

/**
 * One reconciliation run as status, the API and the summary card report it. Counts only: the findings
 * themselves are reported on their own cards.
 */
export interface ReconcileRun {
  runId: string;
  trigger: 'schedule' | 'chat' | 'api';
  by?: { id: string; name: string };
  startedAt: string;
  finishedAt?: string;
  state: 'running' | 'done' | 'failed';
  /** Accounts in the organisation, registry records compared, accounts the registry knows. */
  accounts: number;
  records: number;
  known: number;
  autoLinked: number;
  /** Auto-links the registry refused (someone changed the record at the same moment, or a conflict). */
  autoLinkFailed: number;
  /** Open findings after this run, and by kind. */
  findings: number;
  byKind: Partial<Record<FindingKind, number>>;
  /** Findings reported by this run (new, or changed since they were reported), resolved, and still open as reported. */
  reported: number;
  resolved: number;
  unchanged: number;
  /** Findings that could not be posted (no on-call channel): they are posted by a later run. */
  unposted: number;
  durationMs?: number;
  /** Why the run failed, in an admin's words. */
  error?: string;
  /** Member accounts' root users (centralized root access). */
  rootAudit?: RootAuditRun;
}

/** What a person calls each kind of finding. */
export const FINDING_LABELS: Record<FindingKind, string> = {
  'ended-account-still-assigned': 'ended account, address still assigned',
  'unassigned-address-in-use': 'free or retired address in use',
  'account-id-mismatch': 'registry and Organizations disagree',
  'account-not-in-registry': 'account not in the registry',
  'assigned-address-unused': 'assigned address unused',
  'linked-account-not-in-organization': 'linked account not in the organisation',
  'root-access-key': 'root access key',
  'root-password': 'root password outside a session',
};

/** "3 ended account…, 12 account not in the registry", biggest first; "none" when empty. */
export function describeByKind(byKind: Partial<Record<FindingKind, number>>): string {
  const parts = Object.entries(byKind)
    .filter(([, n]) => (n ?? 0) > 0)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([kind, n]) => `${n} ${FINDING_LABELS[kind as FindingKind]}`);
  return parts.length ? parts.join(', ') : 'none';
}
