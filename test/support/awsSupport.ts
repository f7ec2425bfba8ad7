import { randomUUID } from 'node:crypto';
import type { AddressRecord } from '../../src/domain/addressRecords';
import type { FakeAws, OtpMail } from './fakeAws';
import type { FakeResetMail } from './fakeAwsRoot';
import { readFixture } from './mailFixtures';

/** Settings that point the app's AWS clients at the loopback fake, with the SDK's environment credentials. */
export function awsEnv(fake: FakeAws): Record<string, string> {
  return { AWS_CREDENTIAL_SOURCE: 'environment', AWS_REGION: 'us-east-1', ...fake.env() };
}

/**
 * A local run's AWS keys, where the SDK's environment chain reads them (process.env); the fake checks the
 * SigV4 signature's key id only. Answers how to put things back.
 */
export function useLocalAwsKeys(): () => void {
  const before = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  process.env.AWS_ACCESS_KEY_ID = 'AKIDLOCALTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'local-secret';
  return () => {
    if (before.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    else process.env.AWS_ACCESS_KEY_ID = before.id;
    if (before.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = before.secret;
  };
}

/** Backoff in milliseconds: an outage is seen at once, throttling still retried. */
export const FAST_AWS_RETRY = { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200 };

/**
 * The mail AWS sends after StartPrimaryEmailUpdate, as it arrives: the captured Organizations OTP mail with
 * the fake's code, account and new address (To), and a Message-ID of its own.
 */
export function codeMail(mail: OtpMail, otp = mail.otp): string {
  return readFixture('email-change-otp-organizations.eml')
    .toString('utf8')
    .replace(/^To: .*$/m, `To: ${mail.to}`)
    .replace(/^Message-ID: .*$/m, `Message-ID: <${randomUUID()}@email.amazonses.com>`)
    .replace('8H2=\nKQ7', otp)
    .replace(/210987654321/g, mail.accountId);
}

/** An address record as the registry stores it, for seeding. */
export function record(address: string, fields: Partial<AddressRecord> = {}): AddressRecord {
  return {
    address,
    mailbox: 'pool-1@contoso.com',
    strategy: 'pool',
    state: 'assigned',
    accountName: address.split('@')[0],
    history: [],
    ...fields,
  };
}

/**
 * The mail AWS sends after "Forgot password?", as it arrives: the captured AWS password-reset mail (its
 * headers, DMARC/DKIM results and HTML) with the fake's link, the root address (To) and a Message-ID of its
 * own; for a root user without credentials, AWS's notice that there is nothing to reset.
 */
export function resetMail(mail: FakeResetMail): string {
  const fixture = readFixture(mail.link ? 'password-reset-html-qp.eml' : 'root-reset-no-credentials.eml')
    .toString('utf8')
    .replace(/^To: .*$/m, `To: ${mail.to}`)
    .replace(/^Message-ID: .*$/m, `Message-ID: <${randomUUID()}@email.amazonses.com>`);
  if (!mail.link) return fixture;
  const [headers, body] = splitAt(fixture.replace(/\r\n/g, '\n'), '\n\n');
  // The body as its reader sees it (quoted-printable decoded), with this reset's link.
  const html = Buffer.from(
    body.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => `%${hex}`),
  ).toString('latin1');
  const decoded = decodeURIComponent(html.replace(/%(?![0-9A-F]{2})/g, '%25')).replace(
    /https:\/\/signin\.aws\.amazon\.com\/resetpassword\?[^"]+/,
    mail.link.replace(/&/g, '&amp;'),
  );
  return `${headers.replace(/^Content-Transfer-Encoding: .*$/m, 'Content-Transfer-Encoding: 8bit')}\n\n${decoded}`;
}

function splitAt(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return [text.slice(0, at), text.slice(at + separator.length)];
}
