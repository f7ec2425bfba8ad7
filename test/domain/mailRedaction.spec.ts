import { readMail } from '../../src/app/mail/readMail';
import { htmlToText } from '../../src/domain/mailClassification';
import { redact } from '../../src/log/redact';
import { MAIL_FIXTURES, readFixture } from '../support/mailFixtures';

describe('the redaction point as a second line of defence for mail content', () => {
  it.each(MAIL_FIXTURES.filter((f) => f.secret))(
    'masks the secret of $file even if its whole text were logged',
    async ({ file, secret }) => {
      const mail = await readMail(readFixture(file));
      const text = mail.facts.text || htmlToText(mail.facts.html);
      const html = mail.facts.html;
      expect(`${text}\n${html.replace(/&amp;/g, '&')}`).toContain(secret); // the mail does carry it…
      const logged = JSON.stringify(redact({ body: text, html }));
      expect(logged).not.toContain(secret!); // …and the logger would not write it
      expect(logged).not.toContain(secret!.replace(/&/g, '&amp;'));
    },
  );
});
