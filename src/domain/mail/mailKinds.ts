/** The classes of a root inbox and their finer kinds. */

export type RootMailClass =
  | 'secret'
  | 'security'
  | 'account-billing'
  | 'service-notice'
  | 'noise'
  | 'not-aws'
  | 'suspicious'
  | 'aws-other';

export type SecretKind =
  | 'signup-code'
  | 'signin-code'
  /** A root e-mail change code (console or Account Management StartPrimaryEmailUpdate): for adoption, not posting. */
  | 'email-change-code'
  | 'verification-code'
  | 'email-verification-link'
  | 'password-reset'
  | 'mfa-recovery';

export type MailKind =
  | SecretKind
  | 'abuse-report'
  | 'compromised-credentials'
  | 'root-reset-without-credentials'
  | 'suspension'
  | 'reinstatement'
  | 'payment-failed'
  | 'payment-suspension'
  | 'account-closed'
  | 'invoice'
  | 'support-case'
  | 'health-event'
  | 'planned-change'
  | 'welcome'
  | 'account-ready'
  | 'marketing'
  | 'aws-other'
  | 'newsletter'
  | 'other';

/** What a person calls each kind, for card titles, audit and status. */
export const KIND_LABELS: Record<MailKind, string> = {
  'signup-code': 'Sign-up verification code',
  'signin-code': 'Sign-in verification code',
  'email-change-code': 'Root e-mail change code',
  'verification-code': 'Verification code',
  'email-verification-link': 'E-mail verification link',
  'password-reset': 'Password reset',
  'mfa-recovery': 'MFA recovery',
  'abuse-report': 'Abuse report',
  'compromised-credentials': 'Compromised credentials',
  'root-reset-without-credentials': 'Root password reset for an account without root credentials',
  suspension: 'Account suspension',
  reinstatement: 'Account reinstated',
  'payment-failed': 'Payment failed',
  'payment-suspension': 'Account suspended for non-payment',
  'account-closed': 'Account closed',
  invoice: 'Invoice',
  'support-case': 'Support case update',
  'health-event': 'AWS Health event',
  'planned-change': 'Planned change',
  welcome: 'Welcome',
  'account-ready': 'Account ready',
  marketing: 'Marketing',
  'aws-other': 'AWS mail',
  newsletter: 'Newsletter',
  other: 'Other mail',
};

export const SECRET_KINDS: readonly SecretKind[] = [
  'signup-code',
  'signin-code',
  'email-change-code',
  'verification-code',
  'email-verification-link',
  'password-reset',
  'mfa-recovery',
];

export function isSecretKind(kind: MailKind): kind is SecretKind {
  return (SECRET_KINDS as readonly string[]).includes(kind);
}
