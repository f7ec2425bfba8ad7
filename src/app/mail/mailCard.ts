import { AdaptiveCard, mailAlertCard, mailSecretCard } from '../../cards/cardTemplates';
import { trusted } from '../../cards/inertText';
import type { MailClass } from '../../domain/mailClassification';
import { formatTime } from '../../domain/timeWording';
import type { MailRecord, SecretRecord } from './mailRecords';

const KIND: Record<MailClass, string> = {
  verification: 'Verification',
  'password-reset': 'Password reset',
  'mfa-recovery': 'MFA recovery',
  'account-notice': 'Account notice',
  unrelated: 'Unrelated mail',
};

export function kindOf(mail: Pick<MailRecord, 'mailClass'>): string {
  return KIND[mail.mailClass ?? 'unrelated'];
}

/** True when the secret may no longer be shown, whether or not the purge job has run yet. */
export function isSecretExpired(mail: MailRecord, now: Date): boolean {
  return mail.secretState !== 'live' || !mail.expiresAt || now.getTime() >= Date.parse(mail.expiresAt);
}

/** The channel card for a mail, in its current state (posted, claimed, expired). */
export function mailAlertCardFor(mail: MailRecord, now: Date): AdaptiveCard {
  const suspicious = mail.authenticity === 'suspicious';
  const unrouted = !mail.address;
  const expired = mail.secretState !== 'none' && isSecretExpired(mail, now);
  const secretLabel = mail.secretType === 'link' ? 'Link' : 'Code';
  const secretShown = suspicious
    ? 'withheld (failed the authenticity check)'
    : mail.secretState === 'none' || !mail.secretType
      ? 'none in this mail'
      : expired
        ? `expired at ${formatTime(mail.expiresAt)}`
        : mail.secretType === 'code'
          ? '••••••  (Reveal shows it to you only)'
          : 'hidden  (Reveal shows it to you only)';
  const title = suspicious
    ? `⚠ Suspicious mail that looks like: ${kindOf(mail)}`
    : `${kindOf(mail)}${unrouted ? ' (unrouted)' : ''}${expired ? ' (expired)' : ''}`;
  return mailAlertCard({
    mailId: mail.mailId,
    title,
    titleColor: suspicious ? 'Attention' : unrouted ? 'Warning' : 'Default',
    suspicious,
    reasons: (mail.reasons ?? []).join('; '),
    unrouted,
    kind: kindOf(mail),
    accountName: mail.accountName ?? '(unknown)',
    awsAccountId: mail.awsAccountId ?? '(not linked)',
    address: mail.address ?? ((mail.recipients ?? []).join(', ') || '(none)'),
    owner: mail.owner ? (mail.owner.name ?? mail.owner.upn ?? mail.owner.id) : '(none)',
    from: mail.from ?? '(unknown)',
    receivedAt: formatTime(mail.receivedAt ?? mail.startedAt),
    secretLabel,
    secretShown,
    claimed: !!mail.claimedBy,
    claimedBy: mail.claimedBy?.name ?? '',
    claimedAt: formatTime(mail.claimedBy?.at),
    showReveal: !suspicious && mail.secretState === 'live' && !expired,
    showClaim: !mail.claimedBy,
  });
}

export function mailSecretCardFor(mail: MailRecord, secret: SecretRecord): AdaptiveCard {
  return mailSecretCard({
    mailId: mail.mailId,
    kind: kindOf(mail),
    accountName: mail.accountName ?? mail.address ?? 'an unrouted address',
    isCode: secret.type === 'code',
    secret: trusted(secret.value),
    expiresAt: formatTime(secret.expiresAt),
  });
}
