/**
 * History in words: one formatter turns audit events (data) into the sentences people read in chat, in
 * the tab and in the API's views, and their times into the reader's time zone with the zone named (UTC only
 * where the reader's zone is not known). Pure: Intl does the time zones.
 */
import type { AuditEvent } from './audit';

interface Snapshot {
  state?: string;
  accountName?: string;
  awsAccountId?: string;
  owner?: { id?: string; name?: string; upn?: string };
  quarantineUntil?: string;
}

const nameOf = (owner: Snapshot['owner']) => owner?.name ?? owner?.upn ?? owner?.id ?? 'nobody';
const day = (iso: string | undefined) => (iso ? iso.slice(0, 10) : '');

/** What an event says happened, as a sentence (no time: the reader's time goes beside it). */
export function describeEvent(event: AuditEvent): string {
  const by = event.actorName ?? event.actorId;
  const before = (event.before ?? {}) as Snapshot;
  const after = (event.after ?? {}) as Snapshot & Record<string, unknown>;
  const detail = event.detail?.trim();
  switch (event.action) {
    case 'address.allocated':
      return after.owner
        ? `Given to ${nameOf(after.owner)} for the account ${after.accountName ?? '(unnamed)'} by ${by}${detail ? ` (${detail})` : ''}`
        : `Given out by ${by}${detail ? ` (${detail})` : ''}`;
    case 'address.linked':
      return `Linked to AWS account ${after.awsAccountId} by ${by}`;
    case 'address.transferred':
      return `Transferred from ${nameOf(before.owner)} to ${nameOf(after.owner)} by ${by}`;
    case 'address.retired':
      return (
        `Retired by ${by}${detail ? `: ${detail}` : ' (no reason given)'}` +
        (after.quarantineUntil ? `; in quarantine until ${day(after.quarantineUntil)}` : '')
      );
    case 'address.restored':
      return `Restored to ${nameOf(after.owner)} by ${by}, out of quarantine`;
    case 'address.returned-to-pool':
      return 'Back in the pool: its quarantine ended';
    case 'mail.relayed':
      return `${relayedMail(detail)}`;
    case 'mail.handed-to-adoption':
      return `${relayedMail(detail)}; handed to the adoption that waited for it`;
    case 'mail.reveal':
      return `${detail ? `${capitalised(detail.replace(/ for .*$/, ''))} revealed` : 'Revealed'} by ${by}`;
    case 'mail.reveal.refused':
      return `Reveal refused to ${by}${detail ? ` (${detail})` : ''}`;
    case 'mail.claim':
      return `Claimed by ${by}`;
    case 'request.created':
      return `Asked for by ${by}: ${after.accountName} (${after.environment})${after.purpose ? `, “${String(after.purpose)}”` : ''}`;
    case 'request.approved':
      return `Approved by ${by}${detail ? `: “${detail}”` : ''}`;
    case 'request.rejected':
      return `Rejected by ${by}${detail ? `: “${detail}”` : ''}`;
    case 'request.cancelled':
      return `Cancelled by ${by}`;
    case 'request.expired':
      return 'Expired: nobody decided in time';
    case 'request.allocated':
      return `Given the address ${String(after.address ?? detail ?? '')}`.trim();
    case 'request.decision-refused':
      return `Decision refused to ${by}${detail ? ` (${detail})` : ''}`;
    default:
      if (/^root-(access|credentials)\./.test(event.action)) return rootAccessEvent(event, by, detail);
      return `${capitalised(event.action.replace(/^[a-z]+\./, '').replace(/[.-]/g, ' '))} by ${by}${detail ? `: ${detail}` : ''}`;
  }
}

interface RootAccessFacts {
  accessId?: string;
  kind?: 'session' | 'removal';
  accountName?: string;
  requester?: string;
  reason?: string;
}

/**
 * A step of a break-glass root session or a removal of root credentials, with what it belongs to and its
 * reason (the same sentence under the access's id and in the root address's history).
 */
function rootAccessEvent(event: AuditEvent, by: string, detail: string | undefined): string {
  const f = (event.after ?? {}) as RootAccessFacts;
  const removal = f.kind === 'removal' || event.action.startsWith('root-credentials.');
  const about = f.accessId
    ? removal
      ? ` — removal ${f.accessId} of the root credentials of ${f.accountName}: “${f.reason}”`
      : ` — root access ${f.accessId} to ${f.accountName} for ${f.requester}: “${f.reason}”`
    : '';
  const with_ = (text: string | undefined) => (text ? `: ${text}` : '');
  switch (event.action.replace(/^root-credentials\./, 'root-access.')) {
    case 'root-access.asked':
      return removal
        ? `${by} asked to remove the root credentials of ${f.accountName}: “${detail ?? f.reason}” (${f.accessId})`
        : `${by} asked for root access to ${f.accountName}: “${detail ?? f.reason}” (${f.accessId})`;
    case 'root-access.ask-refused':
      return `${removal ? 'Removal of root credentials' : 'Root access'} refused to ${by}${with_(detail)}`;
    case 'root-access.decision-refused':
      return `Decision refused to ${by}${detail ? ` (${detail})` : ''}${about}`;
    case 'root-access.approved':
      return `Approved by ${by}${detail ? `: “${detail}”` : ''}${about}`;
    case 'root-access.rejected':
      return `Rejected by ${by}${detail ? `: “${detail}”` : ''}${about}`;
    case 'root-access.expired':
      return `Expired: nobody decided in time${about}`;
    case 'root-access.start-expired':
      return `Not started in time: Start is no longer offered${about}`;
    case 'root-access.started':
      return `Started by ${by}${detail ? `; ${detail}` : ''}${about}`;
    case 'root-access.start-refused':
      return `Start refused to ${by}${about}`;
    case 'root-access.refused-by-aws':
      return `AWS refused${with_(detail)}${about}`;
    case 'root-access.recovery-allowed':
      return `Password recovery allowed for the root user${with_(detail)}${about}`;
    case 'root-access.mail-handed':
      return `${detail ?? 'A sign-in mail'} handed to ${f.requester} alone${about}`;
    case 'root-access.done':
      return `Ended by ${by}${about}`;
    case 'root-access.withdrawn':
      return `Withdrawn by ${by}${about}`;
    case 'root-access.done-refused':
      return `Ending refused to ${by}${about}`;
    case 'root-access.timed-out':
      return `Ended by the timer: its minutes were over${about}`;
    case 'root-access.credentials-removed':
      return `Removed ${detail ?? 'the root credentials'}${about}`;
    case 'root-access.removal-failed':
      return `Removal failed${with_(detail)}${about}`;
    default:
      return `${capitalised(event.action.replace(/^[a-z-]+\./, '').replace(/[.-]/g, ' '))} by ${by}${with_(detail)}${about}`;
  }
}

/**
 * The relay's own words (`Sign-up code (class secret, trusted), rule oncall-secret: posted to on-call`)
 * as a reader wants them: what it was and where it went.
 */
function relayedMail(detail: string | undefined): string {
  if (!detail) return 'Mail relayed';
  const match = /^(.*?) \(class [^)]*\), rule [^:]*: (.*)$/.exec(detail);
  return match ? `${match[1]} relayed: ${match[2]}` : `Mail relayed: ${detail}`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The IANA zone when the runtime knows it (Teams sends e.g. `Europe/Berlin`), else undefined. */
export function knownTimeZone(zone: unknown): string | undefined {
  if (typeof zone !== 'string' || !zone || zone.length > 64) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

/** `2026-12-06 20:14 Europe/Berlin` in the reader's zone; `… UTC` where it is not known. */
export function timeForReader(iso: string, timeZone?: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const zone = knownTimeZone(timeZone);
  if (!zone || zone === 'UTC' || zone === 'Etc/UTC') {
    const utc = at.toISOString();
    return `${utc.slice(0, 10)} ${utc.slice(11, 16)} UTC`;
  }
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${zone}`;
}

/** A history as lines for any view: when (reader's time) and what (a sentence). */
export function historyLines(
  events: readonly AuditEvent[],
  timeZone?: string,
): { when: string; what: string }[] {
  return events.map((event) => ({ when: timeForReader(event.at, timeZone), what: describeEvent(event) }));
}
