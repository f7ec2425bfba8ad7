import { readMail } from '../../src/app/mail/readMail';
import {
  bodyText,
  classifyRootMail,
  findCode,
  htmlToText,
  linksOf,
} from '../../src/domain/mailClassification';
import { readFixture } from '../support/mailFixtures';

const AUTH =
  'spf=pass smtp.mailfrom=signup.aws; dkim=pass header.d=signup.aws;dmarc=pass action=none header.from=signup.aws;compauth=pass';

/** A raw mail as it arrives, so quoted-printable and MIME are decoded by readMail as in production. */
function rawMail(body: string, contentType = 'text/html', encoding = 'quoted-printable'): string {
  return [
    `Authentication-Results: ${AUTH}`,
    'From: Amazon Web Services <no-reply@signup.aws>',
    'To: aws_3f9a2c71@contoso.com',
    'Subject: Verify your email address',
    'Message-ID: <extraction-test@email.amazonses.com>',
    'MIME-Version: 1.0',
    `Content-Type: ${contentType}; charset=UTF-8`,
    `Content-Transfer-Encoding: ${encoding}`,
    '',
    body,
  ].join('\r\n');
}

async function secretOf(raw: string): Promise<string | undefined> {
  const mail = await readMail(raw);
  return classifyRootMail({ ...mail.facts, internalDomains: ['contoso.com'] }).secret?.value;
}

describe('codes in real HTML', () => {
  it('joins a code split by a quoted-printable soft line break', async () => {
    const html =
      '<p>Thanks for starting the new AWS account creation process.</p><p>Verification code</p><p>48=\r\n2913</p>';
    expect(await secretOf(rawMail(html))).toBe('482913');
    const text =
      'Thanks for starting the new AWS account creation process.\r\nVerification code: 4829=\r\n13\r\n';
    expect(await secretOf(rawMail(text, 'text/plain'))).toBe('482913');
  });

  it('reads a code from its own table cell, next to the cell with its phrase', async () => {
    const html =
      '<p>Thanks for starting the new AWS account creation process.</p><table><tr><td>Verification code</td>' +
      '<td style=3D"font-size:32px">K7Q2X9</td></tr></table>';
    expect(await secretOf(rawMail(html))).toBe('K7Q2X9');
  });

  it('joins a code styled digit by digit and reads entities', () => {
    const html =
      '<p>Verification code</p><div><span>4</span><span>8</span><span>2</span><b>9</b><span>1</span><span>3</span></div>';
    expect(findCode(htmlToText(html))).toBe('482913');
    expect(findCode(htmlToText('<p>Your verification code is&nbsp;&#55;31946</p>'))).toBe('731946');
  });

  it('reads alphanumeric codes, and a letters-only code only when it stands alone in capitals', () => {
    expect(findCode('Verification code: a1b2c3')).toBe('a1b2c3');
    expect(findCode('One-time passcode (OTP)\n\nHVXQTM\n')).toBe('HVXQTM');
    expect(findCode('Enter the verification code when prompted, then choose Verify.')).toBeUndefined();
    expect(findCode('Security code\nAMAZON\n')).toBeUndefined();
  });

  it('reads a code in the HTML part when the plain part has none', () => {
    const text = bodyText('Open the HTML version of this mail.', '<td>Verification code</td><td>604518</td>');
    expect(findCode(text)).toBe('604518');
  });
});

describe('no false codes', () => {
  it.each([
    ['a ZIP code', 'Your verification code was sent. Billing address: Seattle, WA, ZIP code 98109-5210.'],
    ['a six-digit postal code', 'Verification code\nPostal code: 560001'],
    ['a PIN code', 'Your verification code is on its way. PIN code 560001.'],
    ['a year', 'Verification code sent on 24 November 2026. (c) 2026 Amazon Web Services'],
    ['an account id with dashes', 'Verification code for account 1234-5678-9012'],
    ['an account id without dashes', 'Verification code for account 123456789012'],
    ['an invoice number', 'Verification code requested. Invoice number EUINDE26-123456.'],
    ['an invoice line', 'Your verification code\nInvoice 482913 is attached'],
    ['a phone number', 'Did not ask for a verification code? Call +49 30 123456 now.'],
    ['a promo code', 'Use promo code 4F7KQ2 for 25% off'],
    ['a promo code after a verification phrase', 'Verification code sent!\nPromo code: SAVE20'],
    ['an amount', 'Verification code fee: $123456 total'],
    ['an error code', 'Error code 403150: request denied'],
    ['a tax code', 'HSN/SAC code 998315'],
    ['a decimal', 'Your verification code costs 482913.50 EUR'],
    ['an instance id', 'Security code scan of i-0a1b2c3d4e5f67890 found nothing'],
    ['a code inside a link', 'Verification code: https://example.com/abc123/'],
  ])('none from %s', (_what, text) => {
    expect(findCode(text)).toBeUndefined();
  });

  it('none from a sample mail full of numbers next to the word "code"', async () => {
    for (const file of ['invoice-india-postal-code.eml', 'invoice-available.eml', 'aws-marketing.eml']) {
      const mail = await readMail(readFixture(file));
      expect(findCode(bodyText(mail.facts.text, mail.facts.html))).toBeUndefined();
    }
  });
});

describe('links', () => {
  it('reads hrefs with &amp; decoded and bare links without trailing punctuation', () => {
    const html = '<a href="https://signin.aws.amazon.com/resetpassword?token=abc&amp;x=1">Reset</a>';
    expect(linksOf('See https://aws.amazon.com/contact-us/.', html)).toEqual([
      'https://signin.aws.amazon.com/resetpassword?token=abc&x=1',
      'https://aws.amazon.com/contact-us/',
    ]);
  });
});
