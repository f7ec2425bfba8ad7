import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MailRecord } from '../../src/app/mail/mailRecords';
import { channelMessage } from '../support/activities';
import { AppProcess, startAppProcess } from '../support/appProcess';
import { POOL_ADDRESS, POOL_ADDRESS_RECORD, readFixture } from '../support/mailFixtures';
import { pollUntil } from '../support/pollUntil';
import { sendSmtp, SmtpSession } from '../support/smtpClient';
import { startTestApp, TestApp } from '../support/testApp';
import { users } from '../support/users';

/**
 * Issue 18, point 3: the SMTP source is for trusted relays only. It binds loopback unless told otherwise,
 * needs SMTP_ALLOWED_CLIENTS off loopback (and refuses to start without), refuses other clients at connect,
 * trusts a mail only by the Authentication-Results its relay stamped (SMTP_TRUSTED_AUTHSERV_ID), and its
 * start banner says all of that. Before, it took mail from anyone, believed the sender's own header, and the
 * banner said "loopback only" whatever SMTP_HOST was.
 */
const RELAY = 'relay.contoso.com';
const relayStamp = (id: string) =>
  `Authentication-Results: ${id}; spf=pass smtp.mailfrom=signin.aws; dkim=pass header.d=signin.aws; dmarc=pass header.from=signin.aws\r\n`;
/**
 * The sign-up code mail as AWS sends it (with Exchange-style results the sender could have written), To our
 * pool address, under a Message-ID of its own; `mailId` is the relay's key for it.
 */
function signupMail(): { text: string; mailId: string } {
  const messageId = `<${randomUUID()}@signin.aws>`;
  const text = readFixture('verification-code.eml')
    .toString()
    .replace(/^Message-ID: .*$/im, `Message-ID: ${messageId}`);
  return { text, mailId: createHash('sha256').update(`mid:${messageId.toLowerCase()}`).digest('hex') };
}

describe('the SMTP source, in process', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { ADMIN_IDS: users.carol.aadObjectId, SMTP_PORT: '0', SMTP_TRUSTED_AUTHSERV_ID: RELAY },
    });
    await t.app.store.create('addresses', POOL_ADDRESS, POOL_ADDRESS_RECORD);
    await t.send(channelMessage(t.connector.url, users.carol, 'setup oncall'));
  });
  afterAll(() => t.close());

  const relayed = async (mailId: string) => {
    await pollUntil(async () => !!(await t.app.store.get('mails', mailId)), 'the mail relayed');
    await t.app.idle();
    return (await t.app.store.get<MailRecord>('mails', mailId))!;
  };
  const envelope = { from: 'no-reply@signin.aws', to: POOL_ADDRESS };

  it('believes the Authentication-Results its relay stamped: the code is kept and revealable', async () => {
    const mail = signupMail();
    await sendSmtp(t.app.smtpPort!, relayStamp(RELAY) + mail.text, envelope);
    expect(await relayed(mail.mailId)).toMatchObject({
      trust: 'trusted',
      class: 'secret',
      secretState: 'live',
    });
  });

  it('never believes a header the sender wrote: the same mail without the relay’s stamp is a warning', async () => {
    // The sender's own "dmarc=pass" (Exchange-style, in the fixture) and one naming another authserv-id.
    const sent = signupMail();
    await sendSmtp(t.app.smtpPort!, relayStamp('mx.attacker.example') + sent.text, envelope);
    const mail = await relayed(sent.mailId);
    expect(mail).toMatchObject({ trust: 'suspicious', withheld: 'code' });
    expect(mail.reasons!.join(' ')).toMatch(
      /no Authentication-Results from our relay \(relay\.contoso\.com\)/,
    );
    const card = JSON.stringify(t.connector.sentMessages().at(-1));
    expect(card).not.toContain('482913');
  });

  it('refuses a mail over the size limit without relaying it, and takes the next one', async () => {
    const session = new SmtpSession(t.app.smtpPort!);
    try {
      expect(await session.reply()).toMatch(/^220/);
      expect(await session.command('EHLO relay.contoso.com')).toMatch(/^250/);
      expect(await session.command(`MAIL FROM:<no-reply@signin.aws>`)).toMatch(/^250/);
      expect(await session.command(`RCPT TO:<${POOL_ADDRESS}>`)).toMatch(/^250/);
      expect(await session.command('DATA')).toMatch(/^354/);
      const oversized = signupMail().text + ('x'.repeat(76) + '\r\n').repeat(30_000); // 2.3 MB
      expect(await session.data(oversized)).toMatch(/^552/);
    } finally {
      session.end();
    }
    const next = signupMail();
    await sendSmtp(t.app.smtpPort!, relayStamp(RELAY) + next.text, envelope);
    expect(await relayed(next.mailId)).toMatchObject({ trust: 'trusted' });
  });

  it('answers malformed commands with errors and keeps serving', async () => {
    const session = new SmtpSession(t.app.smtpPort!);
    try {
      expect(await session.reply()).toMatch(/^220/);
      for (const line of [
        'HELO',
        'MAIL FROM:<<<>>>',
        'RCPT TO:<x>',
        'DATA',
        'AUTH PLAIN AGFiYwBkZWY=',
        'STARTTLS',
      ]) {
        expect({ line, reply: await session.command(line) }).toEqual({
          line,
          reply: expect.stringMatching(/^5\d\d /),
        });
      }
      expect(await session.command(Buffer.from('\u0000\u00ff\r\n', 'latin1'))).toMatch(/^5\d\d /);
    } finally {
      session.end();
    }
    const next = signupMail();
    await sendSmtp(t.app.smtpPort!, relayStamp(RELAY) + next.text, envelope);
    expect(await relayed(next.mailId)).toMatchObject({ trust: 'trusted' });
  });
});

describe('the SMTP source, who may connect', () => {
  it('refuses a client outside SMTP_ALLOWED_CLIENTS at connect', async () => {
    const t = await startTestApp({
      env: { SMTP_PORT: '0', SMTP_ALLOWED_CLIENTS: '10.0.0.0/8, 2001:db8::/32' },
    });
    try {
      const session = new SmtpSession(t.app.smtpPort!);
      expect(await session.reply()).toMatch(/^554 /);
      session.end();
      expect(t.logs.some((l) => l.includes('SMTP client refused'))).toBe(true);
    } finally {
      await t.close();
    }
  });
});

describe('the SMTP source, as the real process starts it', () => {
  let dataDir: string;
  let app: AppProcess | undefined;
  beforeEach(() => (dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-smtp-'))));
  afterEach(async () => {
    await app?.crash();
    app = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to start off loopback without SMTP_ALLOWED_CLIENTS, saying what to set', async () => {
    await expect(
      startAppProcess({ DATA_DIR: dataDir, SMTP_PORT: '0', SMTP_HOST: '0.0.0.0' }),
    ).rejects.toThrow(/SMTP_ALLOWED_CLIENTS is required when SMTP_HOST \(0\.0\.0\.0\) is not loopback/);
  });

  it('tells the truth in its banner: where it listens, from whom, and whose results it believes', async () => {
    app = await startAppProcess({
      DATA_DIR: dataDir,
      SMTP_PORT: '0',
      SMTP_HOST: '0.0.0.0',
      SMTP_ALLOWED_CLIENTS: '10.0.0.0/8',
    });
    expect(app.output()).toMatch(
      /SMTP source: +0\.0\.0\.0:\d+, from 10\.0\.0\.0\/8 only; trusts no Authentication-Results \(no SMTP_TRUSTED_AUTHSERV_ID\)/,
    );
    await app.crash();
    app = await startAppProcess({ DATA_DIR: dataDir, SMTP_PORT: '0', SMTP_TRUSTED_AUTHSERV_ID: RELAY });
    expect(app.output()).toMatch(
      /SMTP source: +127\.0\.0\.1:\d+, from 127\.0\.0\.0\/8, ::1\/128 only; trusts the Authentication-Results of relay\.contoso\.com only/,
    );
  });
});
