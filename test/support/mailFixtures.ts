import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The sample mails in test/fixtures/mail and what each must turn into. */
export interface MailFixture {
  file: string;
  mailClass: string;
  authenticity: 'trusted' | 'suspicious';
  /** The code or link inside; must be revealed only when trusted and never appear in a log. */
  secret?: string;
  /** Address the mail was sent to. */
  to: string;
}

export const POOL_ADDRESS = 'aws_3f9a2c71@contoso.com';
export const PLUS_ADDRESS_BASE = 'aws@contoso.com';
export const PLUS_ADDRESS = 'aws+payments-prod@contoso.com';

export const MAIL_FIXTURES: MailFixture[] = [
  {
    file: 'verification-code.eml',
    mailClass: 'verification',
    authenticity: 'trusted',
    secret: '482913',
    to: POOL_ADDRESS,
  },
  {
    file: 'verification-alphanumeric.eml',
    mailClass: 'verification',
    authenticity: 'trusted',
    secret: 'K7Q2X9',
    to: PLUS_ADDRESS,
  },
  {
    file: 'password-reset-html-qp.eml',
    mailClass: 'password-reset',
    authenticity: 'trusted',
    secret:
      'https://signin.aws.amazon.com/resetpassword?type=RootUser&token=Zm9vYmFyLXJlc2V0LTdjM2E5ZjEyLWU0YjUtNDhkNi05YTdjLTRmMmUxYjBkOGM2Mw&redirect_uri=https%3A%2F%2Fconsole.aws.amazon.com%2F',
    to: POOL_ADDRESS,
  },
  {
    file: 'mfa-recovery.eml',
    mailClass: 'mfa-recovery',
    authenticity: 'trusted',
    secret:
      'https://signin.aws.amazon.com/mfa/recovery/verify?token=bWZhLXJlY292ZXJ5LTNlOWM0YjJhLTdmMWQtNGU4Yy1iNmEwLTVkMmYxYzhlOWIzNA',
    to: PLUS_ADDRESS,
  },
  {
    file: 'verify-email-link.eml',
    mailClass: 'verification',
    authenticity: 'trusted',
    secret:
      'https://signin.aws.amazon.com/verifyEmail?token=dmVyaWZ5LWVtYWlsLTRhMWIyYzNkLTVlNmYtNDcwOC05YTBiLWMxZDJlM2Y0YTViNg&locale=en_US',
    to: POOL_ADDRESS,
  },
  { file: 'account-notice.eml', mailClass: 'account-notice', authenticity: 'trusted', to: POOL_ADDRESS },
  {
    file: 'forwarded-internal.eml',
    mailClass: 'verification',
    authenticity: 'trusted',
    secret: '604518',
    to: POOL_ADDRESS,
  },
  {
    file: 'unknown-alias.eml',
    mailClass: 'verification',
    authenticity: 'trusted',
    secret: '118822',
    to: 'aws_0badc0de@contoso.com',
  },
  {
    file: 'lookalike-sender.eml',
    mailClass: 'password-reset',
    authenticity: 'suspicious',
    secret: '731946',
    to: POOL_ADDRESS,
  },
  {
    file: 'failed-dkim.eml',
    mailClass: 'verification',
    authenticity: 'suspicious',
    secret: '559204',
    to: POOL_ADDRESS,
  },
  {
    file: 'forwarded-external.eml',
    mailClass: 'verification',
    authenticity: 'suspicious',
    secret: '390571',
    to: POOL_ADDRESS,
  },
  {
    file: 'awscdk-rootmail_password-reset-fixture.eml',
    mailClass: 'password-reset',
    authenticity: 'suspicious',
    secret: 'https://signin.aws.amazon.com/resetpassword?code=8f84eece-a169-4476-a1f2-example',
    to: 'user@example.com',
  },
  { file: 'newsletter.eml', mailClass: 'unrelated', authenticity: 'trusted', to: POOL_ADDRESS },
];

/** Secrets that are in the fixtures but not the "main" one of a mail (the look-alike's phishing link…). */
export const OTHER_SECRETS = [
  'https://signin-aws.com/resetpassword?token=ZXZpbC1waGlzaGluZy10b2tlbi0xMjM0NTY',
];

export function readFixture(file: string): Buffer {
  return readFileSync(path.join(__dirname, '../fixtures/mail', file));
}
