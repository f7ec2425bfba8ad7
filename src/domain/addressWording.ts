/**
 * What people are told about a change to their address record, as pure wording: what a retirement will do
 * (asked before it happens), and the notes the owners get afterwards in their personal chat.
 */
import { describeOwner } from './addressChanges';
import type { AddressRecord, Owner } from './addressRecords';
import { quarantineEnd } from './addressRules';

const day = (iso: string | Date) => new Date(iso).toISOString().slice(0, 10);
const accountOf = (record: AddressRecord) => (record.accountName ? ` (account ${record.accountName})` : '');

/** What retiring `record` now will do, for the confirmation card. */
export function retireConsequence(record: AddressRecord, quarantineDays: number, now: Date): string {
  if (record.strategy === 'plus')
    return 'It is retired for good: a plus address is never handed out again. AWS mail to it is no longer routed to an owner.';
  return (
    `It goes into quarantine for ${quarantineDays} days, until ${day(quarantineEnd(now, quarantineDays))}, then back to the pool for another account. ` +
    'Until then an admin can give it back with the restore command.'
  );
}

/** The note the (former) owner gets when someone else retired their address. */
export function retiredNote(record: AddressRecord, byName: string, reason: string | undefined): string {
  const why = reason ? `: ${reason}` : ' (no reason given)';
  const until = record.quarantineUntil
    ? ` It stays in quarantine until ${day(record.quarantineUntil)}; an admin can give it back to you with \`restore ${record.address}\` until then.`
    : ' A plus address is never handed out again.';
  return `${byName} retired ${record.address}${accountOf(record)}, which you owned${why}.${until}`;
}

/** The notes a transfer sends: to the new owner, and to the previous one when someone else did it. */
export function transferNotes(
  record: AddressRecord,
  previous: Owner | undefined,
  by: { id: string; name: string },
): { newOwner: string; previousOwner: string } {
  const fromSomeoneElse = previous && previous.id !== by.id ? ` from ${describeOwner(previous)}` : '';
  const byName = by.name;
  return {
    newOwner: `${byName} transferred ${record.address}${accountOf(record)} to you${fromSomeoneElse}: you now own it (its AWS mail, link, transfer and retire are yours). \`whois ${record.address}\` shows it.`,
    previousOwner: `${byName} transferred ${record.address}${accountOf(record)}, which you owned, to ${describeOwner(record.owner)}.`,
  };
}

export function restoredNote(record: AddressRecord, byName: string): string {
  return `${byName} restored ${record.address}${accountOf(record)} to you: it is assigned to you again, out of quarantine.`;
}
