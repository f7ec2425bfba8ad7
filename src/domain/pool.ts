/** The alias pool as people see it: levels per shared mailbox and in total. */

export interface MailboxLevel {
  mailbox: string;
  displayName: string;
  capacity: number;
  forwardsTo?: string;
  free: number;
  assigned: number;
  quarantined: number;
}

export interface PoolStatus {
  strategy: 'pool' | 'plus';
  mailboxes: MailboxLevel[];
  totals: { capacity: number; free: number; assigned: number; quarantined: number };
  low: boolean;
}

export interface PoolImportResult {
  imported: number;
  alreadyPresent: number;
  mailboxesCreated: number;
}
