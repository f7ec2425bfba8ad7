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
      /** Break-glass root sessions started and not yet closed (their root password is live). */
      liveRootSessions?: number;
    };

/** The figures on-call and admins look at first: what `status` and /healthz report. */
export interface OperationalStatus {
  /** The instance that answered (App Service's WEBSITE_INSTANCE_ID, else the host's name). */
  instance?: string;
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
  /** The last mail posted to the on-call channel: its class (secret, security…) and kind in words. */
  lastRelayedMail?: { at: string; mailClass?: string; kind?: string; accountName?: string };
  /** Per class, how many mails arrived in the last `days` UTC days (today included) and where they went. */
  mails?: MailFiguresByClass;
  /** Things someone should look at, in words. */
  warnings: string[];
}

export interface MailFiguresByClass {
  /** The first day counted (YYYY-MM-DD); the last is today. */
  since: string;
  days: number;
  /** Every class, in the order of the routing table, with its rule and a count per destination. */
  classes: { class: string; rule: string; arrived: number; went: Partial<Record<string, number>> }[];
}
