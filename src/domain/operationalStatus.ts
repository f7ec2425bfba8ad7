import type { MailboxLevel } from './pool';
import type { FindingKind } from './reconciliation';
import type { ReconcileRun } from './reconcileRuns';

/** AWS Organizations as status reports it (issue 13). */
export type AwsOperationalStatus =
  | { configured: false }
  | {
      configured: true;
      /** A run in progress (any instance). */
      running?: { startedAt: string; trigger: ReconcileRun['trigger'] };
      lastRun?: ReconcileRun;
      /** Open drift findings as the last successful run saw them. */
      openFindings: number;
      findingsByKind: Partial<Record<FindingKind, number>>;
      /** Adoptions waiting for approval, a code or AWS. */
      openAdoptions: number;
    };

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
  aws: AwsOperationalStatus;
  lastRelayedMail?: { at: string; mailClass?: string; accountName?: string };
  /** Things someone should look at, in words. */
  warnings: string[];
}
