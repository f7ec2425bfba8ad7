import { describeOwner } from '../domain/addressChanges';
import type { AddressRecord } from '../domain/addressRecords';
import type { AuditEvent } from '../domain/audit';
import { historyLines } from '../domain/auditWording';
import type { PoolStatus } from '../domain/pool';
import { describeRootPosture, RootPosture } from '../domain/rootPosture';
import { AdaptiveCard, expandCard } from './cardTemplates';
import addressRecordTemplate from './addressRecord.json';
import addressListTemplate from './addressList.json';
import poolStatusTemplate from './poolStatus.json';
import auditTrailTemplate from './auditTrail.json';
import retireConfirmTemplate from './addressRetireConfirm.json';
import transferConfirmTemplate from './addressTransferConfirm.json';
import personPickTemplate from './personPick.json';
import { trusted } from './inertText';

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

function recordFacts(record: AddressRecord, extra: [string, string | undefined][] = []) {
  return [
    ['Account name', record.accountName],
    ['AWS account', record.awsAccountId],
    ['Owner', record.owner ? describeOwner(record.owner) : undefined],
    ...extra,
  ]
    .filter(([, value]) => value)
    .map(([title, value]) => ({ title, value }));
}

/** Asked before a retirement: what will happen, and the reason that will be kept. */
export function retireConfirmCard(record: AddressRecord, reason: string | undefined, consequence: string) {
  return expandCard(retireConfirmTemplate, {
    heading: 'Retire this address?',
    address: record.address,
    facts: recordFacts(record, [
      ['Reason', reason?.slice(0, 200) ?? 'none given (add one after the address)'],
    ]),
    consequence,
    // The buttons' data comes back to us as typed; it is not shown.
    target: trusted(record.address),
    reason: trusted((reason ?? '').slice(0, 200)),
  });
}

/** Asked before a transfer to someone else: who gets it, and that both are told. */
export function transferConfirmCard(record: AddressRecord, newOwner: { id: string; label: string }) {
  return expandCard(transferConfirmTemplate, {
    heading: 'Transfer this address?',
    address: record.address,
    facts: recordFacts(record, [['New owner', newOwner.label]]),
    consequence: `${newOwner.label} will own it (its AWS mail, link, transfer and retire) and is told in their chat; so is the current owner.`,
    target: trusted(record.address),
    ownerId: trusted(newOwner.id.slice(0, 80)),
  });
}

/** Several people match a name: one button each, then the transfer's confirmation. */
export function personPickCard(address: string, typed: string, people: { id: string; label: string }[]) {
  return expandCard(personPickTemplate, {
    heading: `Several people match “${typed}”: who should get ${address}?`,
    note: 'Pick one; nothing changes until you confirm on the next card.',
    address: trusted(address.slice(0, 64)),
    people: people.map((p) => ({ id: trusted(p.id.slice(0, 80)), label: p.label.slice(0, 120) })),
  });
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

/** A history in sentences, each at the reader's time with the zone named (UTC where it is not known). */
export function auditTrailCard(subject: string, events: AuditEvent[], timeZone?: string): AdaptiveCard {
  return expandCard(auditTrailTemplate, { subject, events: historyLines(events, timeZone) });
}

export function describeState(record: AddressRecord): string {
  if (record.state === 'quarantined' && record.quarantineUntil)
    return `quarantined until ${record.quarantineUntil.slice(0, 10)}`;
  return record.state;
}
