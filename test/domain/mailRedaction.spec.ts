import { readMail } from '../../src/app/mail/readMail';
import { htmlToText } from '../../src/domain/mailClassification';
import { redact, redactText } from '../../src/log/redact';
import { MAIL_FIXTURES, OTHER_SECRETS, readFixture } from '../support/mailFixtures';

describe('the redaction point as a second line of defence for mail content', () => {
  it.each(MAIL_FIXTURES.filter((f) => f.secret))(
    'masks the secret of $file even if its whole text were logged',
    async ({ file, secret }) => {
      const mail = await readMail(readFixture(file));
      const { text, html } = mail.facts;
      const asText = htmlToText(html);
      expect(`${text}\n${asText}\n${html.replace(/&amp;/g, '&')}`).toContain(secret); // the mail does carry it…
      const logged = JSON.stringify(redact({ body: text, html, asText, subject: mail.facts.subject }));
      expect(logged).not.toContain(secret!); // …and the logger would not write it
      expect(logged).not.toContain(secret!.replace(/&/g, '&amp;'));
    },
  );

  it('masks the phishing links the look-alikes carry', async () => {
    const logged = await Promise.all(
      MAIL_FIXTURES.map(async ({ file }) => redactText((await readMail(readFixture(file))).facts.text)),
    );
    for (const link of OTHER_SECRETS) expect(logged.join('\n')).not.toContain(link);
  });

  it.each([
    ['a code after "code is:"', 'Your verification code is: 5M8ZQ2', '5M8ZQ2'],
    [
      'an OTP in the next table cell',
      'One-time password (OTP)</th></tr><tr><td style="font-size:28px">8H2KQ7</td>',
      '8H2KQ7',
    ],
    [
      'a capitals-only passcode on its own line',
      'enter the following one-time passcode:\n\nHVXQTM\n',
      'HVXQTM',
    ],
    ['a code after markup', '<b>Verification code</b></p><p style="font-size:36px"><b>482913</b>', '482913'],
    ['a link on any .aws host', 'open https://verify.signup.aws/confirm/abc123def', 'abc123def'],
  ])('masks %s', (_what, text, secret) => {
    expect(redactText(text)).not.toContain(secret);
  });

  it('keeps what is not a secret readable', () => {
    expect(redactText('mail relayed in 12 ms for account 123456789012, invoice 2413587092')).toBe(
      'mail relayed in 12 ms for account 123456789012, invoice 2413587092',
    );
  });
});
