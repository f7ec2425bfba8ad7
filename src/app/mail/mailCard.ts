import {
  AdaptiveCard,
  mailAlertCard,
  MailAlertCardData,
  mailBurstCard,
  mailDigestCard,
  mailSecretCard,
} from '../../cards/cardTemplates';
import { trusted } from '../../cards/inertText';
import { KIND_LABELS } from '../../domain/mailClassification';
import { formatTime } from '../../domain/timeWording';
import type { LegacyMailClass, MailRecord, SecretRecord } from './mailRecords';

const LEGACY_LABELS: Record<LegacyMailClass, string> = {
  verification: 'Verification',
  'password-reset': 'Password reset',
  'mfa-recovery': 'MFA recovery',
  'account-notice': 'Account notice',
  unrelated: 'Unrelated mail',
};

/** What a person calls the mail ("Sign-up verification code"), for records of before issue 11 too. */
export function labelOf(mail: Pick<MailRecord, 'kind' | 'mailClass'>): string {
  return mail.kind ? KIND_LABELS[mail.kind] : LEGACY_LABELS[mail.mailClass ?? 'unrelated'];
}

/** Proven to be AWS's (records of before issue 11 said so in `authenticity`). */
export function isTrusted(mail: Pick<MailRecord, 'trust' | 'authenticity'>): boolean {
  return mail.trust ? mail.trust === 'trusted' : mail.authenticity === 'trusted';
}

function isSuspicious(mail: MailRecord): boolean {
  return mail.trust ? mail.trust === 'suspicious' : mail.authenticity === 'suspicious';
}

/** True when the secret may no longer be shown, whether or not the purge job has run yet. */
export function isSecretExpired(mail: MailRecord, now: Date): boolean {
  return mail.secretState !== 'live' || !mail.expiresAt || now.getTime() >= Date.parse(mail.expiresAt);
}

export function ownerName(mail: Pick<MailRecord, 'owner'>): string | undefined {
  return mail.owner ? (mail.owner.name ?? mail.owner.upn ?? mail.owner.id) : undefined;
}

/** Why on-call gets a mail meant for the owner, as the middle of a sentence. */
function whyNotTheOwner(mail: MailRecord): string {
  const name = ownerName(mail);
  if (!mail.owner) return 'no owner is recorded for this address';
  switch (mail.ownerStatus) {
    case 'left':
      return `the owner, ${name}, has left (the directory no longer knows them)`;
    case 'unreachable':
      return `the owner, ${name}, could not be reached in Teams`;
    default:
      return 'no owner is recorded for this address';
  }
}

const WITHHELD: Record<'code' | 'link' | 'none', string> = {
  code: 'It carried a code, which was withheld: do not use a code from this mail. If you expected one, have AWS send it again.',
  link: 'It carried a link, which was withheld: do not open links from this mail.',
  none: 'It carried no code or link.',
};

/** The parts every mail card shares: who the mail is for and where it came from. */
function factsOf(mail: MailRecord) {
  return {
    mailId: mail.mailId,
    kind: labelOf(mail),
    accountName: mail.accountName ?? '(unknown)',
    awsAccountId: mail.awsAccountId ?? '(not linked)',
    address: mail.address ?? ((mail.recipients ?? []).join(', ') || '(none)'),
    owner: ownerName(mail) ?? '(none)',
    from: mail.from ?? '(unknown)',
    receivedAt: formatTime(mail.receivedAt ?? mail.startedAt),
    claimed: !!mail.claimedBy,
    claimedBy: mail.claimedBy?.name ?? '',
    claimedAt: formatTime(mail.claimedBy?.at),
  };
}

/**
 * The on-call channel's card for a mail, in its current state (posted, claimed, expired), styled by where the
 * routing rule sent it: a masked secret with Reveal, an urgent security notice, a warning about a mail that failed
 * the authenticity checks, a mail standing in for its owner, or "AWS mail" that fits no class.
 */
export function mailAlertCardFor(mail: MailRecord, now: Date): AdaptiveCard {
  const unrouted = !mail.address;
  const label = labelOf(mail);
  const subject = mail.subject ?? '';
  const base = {
    ...factsOf(mail),
    unrouted,
    suspicious: false,
    reasons: [] as string[],
    withheldNote: '',
    lead: '',
    subject,
    secretLabel: '',
    secretShown: '',
    showReveal: false,
    showClaim: !mail.claimedBy,
  };
  let data: MailAlertCardData;
  if (isSuspicious(mail)) {
    data = {
      ...base,
      style: 'attention',
      title: `⚠ Suspicious mail that looks like: ${label}`,
      titleColor: 'Attention',
      suspicious: true,
      reasons: mail.reasons ?? [],
      withheldNote: mail.trust
        ? WITHHELD[mail.withheld ?? 'none']
        : 'Any code or link in it was withheld; check the mailbox directly if you expected one.',
    };
  } else if (mail.destination === 'oncall-urgent' || (!mail.destination && mail.class === 'security')) {
    data = {
      ...base,
      style: 'attention',
      title: `Urgent: ${label}`,
      titleColor: 'Attention',
      lead:
        mail.owner && (mail.ownerStatus ?? 'known') === 'known'
          ? `AWS reports a security matter on this account. Look at it now; ${ownerName(mail)}, the owner, was told in their chat.`
          : `AWS reports a security matter on this account, and ${whyNotTheOwner(mail)}: look at it now and find out who runs the account.`,
    };
  } else if (mail.destination === 'oncall-if-no-owner') {
    data = {
      ...base,
      style: 'warning',
      title: `${label} for ${mail.accountName ?? mail.address ?? 'an unknown account'}`,
      titleColor: 'Warning',
      lead: `This mail is for the account's owner, but ${whyNotTheOwner(mail)}, so it comes to on-call. Please see to it or find the person who should.`,
    };
  } else if (mail.destination === 'oncall-aws-mail') {
    data = {
      ...base,
      style: 'emphasis',
      title: `AWS mail: ${subject || '(no subject)'}`,
      titleColor: 'Default',
      lead: 'AWS wrote to this address, authenticated, and the mail fits none of the kinds RootMail knows: please read it in the mailbox.',
    };
  } else {
    // A secret (or a record from before issue 11): masked, with Reveal while it lives.
    const lost = mail.secretState === 'lost';
    const expired = mail.secretState !== 'none' && !lost && isSecretExpired(mail, now);
    const live = mail.secretState === 'live' && !expired;
    data = {
      ...base,
      style: 'default',
      title: `${label}${unrouted ? ' (unrouted)' : ''}${expired ? ' (expired)' : ''}`,
      titleColor: unrouted ? 'Warning' : 'Default',
      // A root-access session's sign-in mail, in its requester's chat: for them alone, nothing to claim.
      ...(mail.revealFor
        ? {
            title: `${label} for ${mail.accountName ?? mail.address}: for your root-access session${expired ? ' (expired)' : ''}`,
            lead: `AWS sent this to ${mail.address}, the root address of ${mail.accountName ?? 'the account'}, while your root-access session ${mail.rootAccessId} is open. It came to you alone: Reveal shows it to you, nobody else can.`,
            showClaim: false,
          }
        : {}),
      subject: mail.class === 'secret' ? '' : subject,
      secretLabel: mail.secretType === 'link' ? 'Link' : 'Code',
      secretShown:
        mail.secretState === 'none' || !mail.secretType
          ? 'none in this mail'
          : lost
            ? 'not kept: the relay of this mail was cut off; read it in the shared mailbox'
            : expired
              ? `expired at ${formatTime(mail.expiresAt)}`
              : mail.secretType === 'code'
                ? '••••••  (Reveal shows it to you only)'
                : 'hidden  (Reveal shows it to you only)',
      showReveal: isTrusted(mail) && live,
    };
  }
  return mailAlertCard(data);
}

/** The mail itself in its owner's chat (account and billing, service notices): facts, no buttons. */
export function ownerMailCardFor(mail: MailRecord): AdaptiveCard {
  const account = mail.accountName ?? mail.address ?? 'your AWS account';
  return mailAlertCard({
    ...factsOf(mail),
    style: mail.class === 'account-billing' ? 'warning' : 'emphasis',
    title: `${labelOf(mail)} for ${account}`,
    titleColor: 'Default',
    lead:
      `AWS wrote to ${mail.address}, the root address of ${account}, which you own. ` +
      'RootMail shows you what the mail is about; on-call can forward you the full mail from the shared mailbox.',
    suspicious: false,
    reasons: [],
    withheldNote: '',
    unrouted: false,
    subject: mail.subject ?? '',
    secretLabel: '',
    secretShown: '',
    claimed: false,
    claimedBy: '',
    claimedAt: '',
    showReveal: false,
    showClaim: false,
  });
}

export function mailSecretCardFor(mail: MailRecord, secret: SecretRecord): AdaptiveCard {
  return mailSecretCard({
    mailId: mail.mailId,
    kind: labelOf(mail),
    accountName: mail.accountName ?? mail.address ?? 'an unrouted address',
    isCode: secret.type === 'code',
    secret: trusted(secret.value),
    expiresAt: formatTime(secret.expiresAt),
  });
}

/** Most kinds of notice one digest card lists, and accounts named per kind: the card stays small. */
const DIGEST_GROUPS = 15;
const DIGEST_NAMES = 8;

const short = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * The daily on-call digest: the service notices of `day` that had no owner to go to. AWS sends one notice to many
 * accounts at once (an end of support, a retirement wave), so notices with the same kind and subject share a line
 * that names the accounts.
 */
export function mailDigestCardFor(day: string, mails: MailRecord[]): AdaptiveCard {
  const groups = new Map<string, MailRecord[]>();
  for (const mail of mails) {
    const key = `${labelOf(mail)}: ${short(mail.subject || '(no subject)', 120)}`;
    groups.set(key, [...(groups.get(key) ?? []), mail]);
  }
  const listed = [...groups].slice(0, DIGEST_GROUPS);
  return mailDigestCard({
    day,
    summary:
      `${mails.length} service notice${mails.length === 1 ? '' : 's'} from AWS for addresses whose owner is ` +
      'unknown, has left or could not be reached. Nobody was told about them one by one.',
    notices: listed.map(([title, group]) => {
      const names = group
        .slice(0, DIGEST_NAMES)
        .map((m) => short(m.accountName ?? m.address ?? m.recipients?.[0] ?? '(no address)', 48));
      const rest = group.length - names.length;
      return {
        title: group.length > 1 ? `${title} (${group.length} accounts)` : title,
        details: `${names.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`,
      };
    }),
    more: [...groups].slice(DIGEST_GROUPS).reduce((n, [, group]) => n + group.length, 0),
  });
}

/** What the burst summary shows: the mails waiting for their card now, or, once none waits, how it went. */
export type BurstView =
  | {
      state: 'open';
      /** The waiting mails, oldest first (as many as were read). */
      waiting: MailRecord[];
      /** True when more were waiting than were read. */
      more: boolean;
      since: string;
      /** When the last of them should be posted, at Teams' pace. */
      doneBy: string;
    }
  | { state: 'over'; since: string; peak: number; at: string };

/** Accounts named on the burst card; the rest are counted. */
const BURST_NAMES = 25;

/**
 * The card at the top of a burst in the on-call channel: how many mails wait for their own card, which
 * accounts have codes among them, and when the last should be posted; once none waits, that the burst is over.
 */
export function mailBurstCardFor(view: BurstView): AdaptiveCard {
  if (view.state === 'over')
    return mailBurstCard({
      style: 'good',
      title: 'The burst of AWS mails is over: every mail has its card',
      lead:
        `Up to ${view.peak} mails waited at once between ${formatTime(view.since)} and ${formatTime(view.at)}; ` +
        'each has its own card in this channel.',
      facts: [],
      codesFor: '',
    });
  const count = `${view.waiting.length}${view.more ? ' or more' : ''}`;
  const codes = view.waiting.filter((m) => m.secretType === 'code' && m.class === 'secret');
  const accounts = [...new Set(codes.map((m) => m.accountName ?? m.address ?? '(unrouted)'))];
  const named = accounts.slice(0, BURST_NAMES).map((a) => short(a, 48));
  return mailBurstCard({
    style: 'attention',
    title: `${count} AWS mails are on their way to this channel`,
    lead:
      'Teams takes a bot’s cards at its own pace (60 every 30 seconds), so each mail’s card follows here, ' +
      `in the order the mails came; the last should be here by about ${formatTime(view.doneBy)}. ` +
      'This card keeps count.',
    facts: [
      { title: 'Waiting for their card', value: count },
      { title: 'Verification codes among them', value: String(codes.length) },
      { title: 'Arriving since', value: formatTime(view.since) },
    ],
    codesFor:
      named.join(', ') +
      (accounts.length > named.length ? ` and ${accounts.length - named.length} more` : ''),
  });
}
