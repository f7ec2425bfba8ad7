import { describeOwner } from '../domain/addressChanges';
import type { AddressRecord } from '../domain/addressRecords';
import type { AuditEvent } from '../domain/audit';
import type { PoolStatus } from '../domain/pool';
import { describeRootPosture, RootPosture } from '../domain/rootPosture';
import { formatTime } from '../domain/timeWording';
import { AdaptiveCard, expandCard } from './cardTemplates';
import addressRecordTemplate from './addressRecord.json';
import addressListTemplate from './addressList.json';
import poolStatusTemplate from './poolStatus.json';
import auditTrailTemplate from './auditTrail.json';

/** Cards for address records, lists, the pool and audit trails; compact on purpose (Teams caps ~100 KB). */

/** A record's facts; with `rootUser`, what the last audit found on its AWS account's root user. */
export function addressRecordCard(
  heading: string,
  record: AddressRecord,
  rootUser?: RootPosture,
): AdaptiveCard {
  const facts = [
    ['State', describeState(record)],
    ['Account name', record.accountName],
    ['AWS account', record.awsAccountId ?? (record.state === 'assigned' ? 'not linked yet' : undefined)],
    ['Owner', record.owner ? describeOwner(record.owner) : undefined],
    ['Purpose', record.purpose && record.purpose],
    ['Mailbox', record.mailbox],
    ['Request', record.requestId],
    ['Assigned', record.assignedAt?.slice(0, 10)],
    ['Root user', describeRootPosture(rootUser)],
  ]
    .filter(([, value]) => value)
    .map(([title, value]) => ({ title, value }));
  return expandCard(addressRecordTemplate, { heading, address: record.address, facts });
}

export function addressListCard(heading: string, records: AddressRecord[], note = ''): AdaptiveCard {
  const rows = records.map((r) => ({
    address: r.address,
    summary: [describeState(r), r.accountName, r.awsAccountId, r.owner?.name ?? r.owner?.upn ?? r.owner?.id]
      .filter(Boolean)
      .join(' · '),
  }));
  return expandCard(addressListTemplate, { heading, rows, note });
}

export function poolStatusCard(status: PoolStatus): AdaptiveCard {
  const { totals } = status;
  const summary =
    status.strategy === 'plus'
      ? 'Plus addressing is on: addresses are derived from PLUS_ADDRESS and need no pool.'
      : `${totals.free} free, ${totals.assigned} assigned, ${totals.quarantined} in quarantine, across ${status.mailboxes.length} mailbox(es).`;
  const mailboxes = status.mailboxes.map((m) => ({
    mailbox: m.mailbox,
    level: `${m.free} free · ${m.assigned} assigned · ${m.quarantined} quarantined · capacity ${m.capacity}`,
  }));
  const warning =
    status.strategy === 'pool' && (status.low || totals.free === 0)
      ? 'Under 10 % of the aliases are free. Top up: npm run pool:plan, run the script in Exchange Online, then npm run pool:import.'
      : '';
  return expandCard(poolStatusTemplate, { summary, mailboxes, warning });
}

export function auditTrailCard(subject: string, events: AuditEvent[]): AdaptiveCard {
  return expandCard(auditTrailTemplate, {
    subject: subject,
    // Readable time as the title; the exact ISO time with the event, since a history is evidence.
    events: events.map((e) => ({
      when: formatTime(e.at),
      what: `${e.action} by ${e.actorName ?? e.actorId}${e.detail ? ` (${e.detail})` : ''} · ${e.at}`,
    })),
  });
}

export function describeState(record: AddressRecord): string {
  if (record.state === 'quarantined' && record.quarantineUntil)
    return `quarantined until ${record.quarantineUntil.slice(0, 10)}`;
  return record.state;
}
