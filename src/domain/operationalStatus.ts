import type { MailboxLevel } from './pool';

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
