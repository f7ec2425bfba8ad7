import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readMail } from '../../src/app/mail/readMail';
import type { AddressRecord } from '../../src/domain/addressRecords';
import { linksOf } from '../../src/domain/mailClassification';
import { users } from './users';
import type {
  Destination,
  MailKind,
  OwnerStatus,
  RootMailClass,
  Trust,
} from '../../src/domain/mailClassification';

/** The sample mails in test/fixtures/mail and what each must turn into. */
export interface MailFixture {
  file: string;
  class: RootMailClass;
  /** For a suspicious mail: what it pretends to be. */
  kind: MailKind;
  trust: Trust;
  /** The code or link inside; revealed only when trusted, never in a log. */
  secret?: string;
  /** Address the mail was sent to. */
  to: string;
  /** The owner of that address, as the relay will find it: decides where account and service mail goes. */
  owner: OwnerStatus;
  destination: Destination;
}

export const POOL_ADDRESS = 'aws_3f9a2c71@contoso.com';
/** The registry's record for POOL_ADDRESS: Alice's payments-sandbox account, linked. */
export const POOL_ADDRESS_RECORD: AddressRecord = {
  address: POOL_ADDRESS,
  mailbox: 'aws-pool-01@contoso.com',
  strategy: 'pool',
  state: 'assigned',
  accountName: 'payments-sandbox',
  awsAccountId: '123456789012',
  owner: { id: users.alice.aadObjectId, upn: users.alice.upn, name: users.alice.name },
  history: [],
};
export const PLUS_ADDRESS_BASE = 'aws@contoso.com';
export const PLUS_ADDRESS = 'aws+payments-prod@contoso.com';
/** A pool alias nobody has a record for: unrouted. */
export const UNKNOWN_ADDRESS = 'aws_0badc0de@contoso.com';
/** An address whose recorded owner has left the company (the relay finds no active user for them). */
export const LEFT_OWNER_ADDRESS = 'aws_7c2e9b40@contoso.com';

const RESET_QP =
  'https://signin.aws.amazon.com/resetpassword?type=RootUser&token=Zm9vYmFyLXJlc2V0LTdjM2E5ZjEyLWU0YjUtNDhkNi05YTdjLTRmMmUxYjBkOGM2Mw&redirect_uri=https%3A%2F%2Fconsole.aws.amazon.com%2F';
const RESET_VERIFY =
  'https://signin.aws.amazon.com/resetpassword?type=RootUser&token=cmVzZXQtcm9vdC1wYXNzd29yZC05YjJlMWY0Yy1hNmQ3LTQ4ZTItYjFjMy03ZjBlMmQ5YTQ0YjE&locale=en_US';
const MFA =
  'https://signin.aws.amazon.com/mfa/recovery/verify?token=bWZhLXJlY292ZXJ5LTNlOWM0YjJhLTdmMWQtNGU4Yy1iNmEwLTVkMmYxYzhlOWIzNA';
const MFA_EMAIL =
  'https://signin.aws.amazon.com/mfa/recover/email?token=bWZhLWVtYWlsLXZlcmlmeS0yYzFkNGU3Zi05YjNhLTRmNmUtOGQyYy0xYTdlNWIzYzlkMDA';
const VERIFY_EMAIL =
  'https://signin.aws.amazon.com/verifyEmail?token=dmVyaWZ5LWVtYWlsLTRhMWIyYzNkLTVlNmYtNDcwOC05YTBiLWMxZDJlM2Y0YTViNg&locale=en_US';

/** Every sample mail, grouped by class; the test table reads each through readMail and the classifier. */
export const MAIL_FIXTURES: MailFixture[] = [
  {
    file: 'verification-code.eml',
    class: 'secret',
    kind: 'signup-code',
    trust: 'trusted',
    secret: '482913',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-secret',
  },
  {
    file: 'duplicate-delivery.eml',
    class: 'secret',
    kind: 'signup-code',
    trust: 'trusted',
    secret: '482913',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-secret',
  },
  {
    file: 'verification-alphanumeric.eml',
    class: 'secret',
    kind: 'signup-code',
    trust: 'trusted',
    secret: 'K7Q2X9',
    to: PLUS_ADDRESS,
    owner: 'known',
    destination: 'oncall-secret',
  },
  {
    file: 'forwarded-internal.eml',
    class: 'secret',
    kind: 'signup-code',
    trust: 'trusted',
    secret: '604518',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-secret',
  },
  {
    file: 'unknown-alias.eml',
    class: 'secret',
    kind: 'signup-code',
    trust: 'trusted',
    secret: '118822',
    to: UNKNOWN_ADDRESS,
    owner: 'unknown',
    destination: 'oncall-secret',
  },
  {
    file: 'signup-code-signup-aws.eml',
    class: 'secret',
    kind: 'signup-code',
    trust: 'trusted',
    secret: '730518',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-secret',
  },
  {
    file: 'signin-code-root.eml',
    class: 'secret',
    kind: 'signin-code',
    trust: 'trusted',
    secret: 'R5TQ8W',
    to: PLUS_ADDRESS,
    owner: 'known',
    destination: 'oncall-secret',
  },
  {
    file: 'signin-code-compauth.eml',
    class: 'secret',
    kind: 'signin-code',
    trust: 'trusted',
    secret: 'HVXQTM',
    to: PLUS_ADDRESS,
    owner: 'known',
    destination: 'oncall-secret',
  },
  {
    file: 'email-change-code-console.eml',
    class: 'secret',
    kind: 'email-change-code',
    trust: 'trusted',
    secret: '5M8ZQ2',
    to: 'aws_9d41e6b2@contoso.com',
    owner: 'unknown',
    destination: 'oncall-secret',
  },
  {
    file: 'email-change-otp-organizations.eml',
    class: 'secret',
    kind: 'email-change-code',
    trust: 'trusted',
    secret: '8H2KQ7',
    to: 'aws+payments-dr@contoso.com',
    owner: 'unknown',
    destination: 'oncall-secret',
  },
  {
    file: 'password-reset-html-qp.eml',
    class: 'secret',
    kind: 'password-reset',
    trust: 'trusted',
    secret: RESET_QP,
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-secret',
  },
  {
    file: 'password-reset-verify-signin.eml',
    class: 'secret',
    kind: 'password-reset',
    trust: 'trusted',
    secret: RESET_VERIFY,
    to: PLUS_ADDRESS,
    owner: 'known',
    destination: 'oncall-secret',
  },
  {
    file: 'mfa-recovery.eml',
    class: 'secret',
    kind: 'mfa-recovery',
    trust: 'trusted',
    secret: MFA,
    to: PLUS_ADDRESS,
    owner: 'known',
    destination: 'oncall-secret',
  },
  {
    file: 'mfa-recovery-email-verification.eml',
    class: 'secret',
    kind: 'mfa-recovery',
    trust: 'trusted',
    secret: MFA_EMAIL,
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-secret',
  },
  {
    file: 'verify-email-link.eml',
    class: 'secret',
    kind: 'email-verification-link',
    trust: 'trusted',
    secret: VERIFY_EMAIL,
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-secret',
  },
  {
    file: 'abuse-report.eml',
    class: 'security',
    kind: 'abuse-report',
    trust: 'trusted',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-urgent',
  },
  {
    file: 'compromised-key-case.eml',
    class: 'security',
    kind: 'compromised-credentials',
    trust: 'trusted',
    to: PLUS_ADDRESS,
    owner: 'known',
    destination: 'oncall-urgent',
  },
  {
    file: 'compromised-followup.eml',
    class: 'security',
    kind: 'compromised-credentials',
    trust: 'trusted',
    to: UNKNOWN_ADDRESS,
    owner: 'unknown',
    destination: 'oncall-urgent',
  },
  {
    file: 'account-suspended-security.eml',
    class: 'security',
    kind: 'suspension',
    trust: 'trusted',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-urgent',
  },
  {
    file: 'account-reinstated.eml',
    class: 'security',
    kind: 'reinstatement',
    trust: 'trusted',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-urgent',
  },
  {
    file: 'root-reset-no-credentials.eml',
    class: 'security',
    kind: 'root-reset-without-credentials',
    trust: 'trusted',
    to: LEFT_OWNER_ADDRESS,
    owner: 'left',
    destination: 'oncall-urgent',
  },
  {
    file: 'payment-failed.eml',
    class: 'account-billing',
    kind: 'payment-failed',
    trust: 'trusted',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'owner',
  },
  {
    file: 'account-suspended-payment.eml',
    class: 'account-billing',
    kind: 'payment-suspension',
    trust: 'trusted',
    to: UNKNOWN_ADDRESS,
    owner: 'unknown',
    destination: 'oncall-if-no-owner',
  },
  {
    file: 'invoice-available.eml',
    class: 'account-billing',
    kind: 'invoice',
    trust: 'trusted',
    to: PLUS_ADDRESS,
    owner: 'known',
    destination: 'owner',
  },
  {
    file: 'invoice-india-postal-code.eml',
    class: 'account-billing',
    kind: 'invoice',
    trust: 'trusted',
    to: LEFT_OWNER_ADDRESS,
    owner: 'left',
    destination: 'oncall-if-no-owner',
  },
  {
    file: 'account-closed.eml',
    class: 'account-billing',
    kind: 'account-closed',
    trust: 'trusted',
    to: LEFT_OWNER_ADDRESS,
    owner: 'left',
    destination: 'oncall-if-no-owner',
  },
  {
    file: 'support-case-update.eml',
    class: 'account-billing',
    kind: 'support-case',
    trust: 'trusted',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'owner',
  },
  {
    file: 'health-instance-retirement.eml',
    class: 'service-notice',
    kind: 'health-event',
    trust: 'trusted',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'owner',
  },
  {
    file: 'health-end-of-support.eml',
    class: 'service-notice',
    kind: 'planned-change',
    trust: 'trusted',
    to: UNKNOWN_ADDRESS,
    owner: 'unknown',
    destination: 'digest',
  },
  {
    file: 'account-notice.eml',
    class: 'noise',
    kind: 'welcome',
    trust: 'trusted',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'recorded',
  },
  {
    file: 'account-ready.eml',
    class: 'noise',
    kind: 'account-ready',
    trust: 'trusted',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'recorded',
  },
  {
    file: 'aws-marketing.eml',
    class: 'noise',
    kind: 'marketing',
    trust: 'trusted',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'recorded',
  },
  {
    file: 'organizations-invitation.eml',
    class: 'aws-other',
    kind: 'aws-other',
    trust: 'trusted',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-aws-mail',
  },
  {
    file: 'newsletter.eml',
    class: 'not-aws',
    kind: 'newsletter',
    trust: 'not-aws',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'recorded',
  },
  {
    file: 'newsletter-mentions-aws-code.eml',
    class: 'not-aws',
    kind: 'newsletter',
    trust: 'not-aws',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'recorded',
  },
  {
    file: 'supplier-order-not-aws.eml',
    class: 'not-aws',
    kind: 'other',
    trust: 'not-aws',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'recorded',
  },
  {
    file: 'lookalike-sender.eml',
    class: 'suspicious',
    kind: 'password-reset',
    trust: 'suspicious',
    secret: '731946',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-warning',
  },
  {
    file: 'failed-dkim.eml',
    class: 'suspicious',
    kind: 'signup-code',
    trust: 'suspicious',
    secret: '559204',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-warning',
  },
  {
    file: 'forwarded-external.eml',
    class: 'suspicious',
    kind: 'verification-code',
    trust: 'suspicious',
    secret: '390571',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-warning',
  },
  {
    file: 'awscdk-rootmail_password-reset-fixture.eml',
    class: 'suspicious',
    kind: 'password-reset',
    trust: 'suspicious',
    secret: 'https://signin.aws.amazon.com/resetpassword?code=8f84eece-a169-4476-a1f2-example',
    to: 'user@example.com',
    owner: 'unknown',
    destination: 'oncall-warning',
  },
  {
    file: 'signup-code-dkim-fail.eml',
    class: 'suspicious',
    kind: 'signup-code',
    trust: 'suspicious',
    secret: '264019',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-warning',
  },
  {
    file: 'signup-code-lookalike.eml',
    class: 'suspicious',
    kind: 'signup-code',
    trust: 'suspicious',
    secret: '915372',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-warning',
  },
  {
    file: 'signup-code-forwarded-external.eml',
    class: 'suspicious',
    kind: 'signup-code',
    trust: 'suspicious',
    secret: '408266',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-warning',
  },
  {
    file: 'aws-security-lookalike.eml',
    class: 'suspicious',
    kind: 'signin-code',
    trust: 'suspicious',
    secret: '662810',
    to: PLUS_ADDRESS,
    owner: 'known',
    destination: 'oncall-warning',
  },
  {
    file: 'content-claim-helpdesk.eml',
    class: 'suspicious',
    kind: 'signup-code',
    trust: 'suspicious',
    secret: '551902',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-warning',
  },
  {
    file: 'lookalike-amaz0n-payment.eml',
    class: 'suspicious',
    kind: 'payment-failed',
    trust: 'suspicious',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-warning',
  },
  {
    file: 'display-name-spoof.eml',
    class: 'suspicious',
    kind: 'suspension',
    trust: 'suspicious',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-warning',
  },
  {
    file: 'dmarc-fail-other-signer.eml',
    class: 'suspicious',
    kind: 'invoice',
    trust: 'suspicious',
    to: POOL_ADDRESS,
    owner: 'known',
    destination: 'oncall-warning',
  },
];

/** Secrets that are in the fixtures but not the "main" one of a mail (the look-alike's phishing link…). */
export const OTHER_SECRETS = [
  'https://signin-aws.com/resetpassword?token=ZXZpbC1waGlzaGluZy10b2tlbi0xMjM0NTY',
  'https://amaz0n-aws.com/billing/update?session=c2Vzc2lvbi1waGlzaC0yMDI2',
];

export function readFixture(file: string): Buffer {
  return readFileSync(path.join(__dirname, '../fixtures/mail', file));
}

/**
 * What no log line may ever contain: every secret of the table, the look-alikes' phishing links, and every link
 * in any sample of the corpus (read the way the relay reads it).
 */
export async function corpusSecrets(): Promise<string[]> {
  const found = new Set<string>([
    ...MAIL_FIXTURES.flatMap((f) => (f.secret ? [f.secret] : [])),
    ...OTHER_SECRETS,
  ]);
  for (const { file } of MAIL_FIXTURES) {
    const { facts } = await readMail(readFixture(file));
    for (const link of linksOf(facts.text, facts.html)) found.add(link);
  }
  return [...found];
}
