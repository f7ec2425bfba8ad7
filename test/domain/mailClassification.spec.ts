import { readMail } from '../../src/app/mail/readMail';
import {
  authenticationProblems,
  classifyMail,
  isAwsSender,
  readContent,
} from '../../src/domain/mailClassification';
import { MAIL_FIXTURES, readFixture } from '../support/mailFixtures';

const INTERNAL = ['contoso.com'];

async function verdictOf(file: string) {
  const mail = await readMail(readFixture(file));
  return classifyMail({ ...mail.facts, internalDomains: INTERNAL });
}

describe('classifying the sample mails', () => {
  it.each(MAIL_FIXTURES)('$file is $mailClass and $authenticity', async (fixture) => {
    const verdict = await verdictOf(fixture.file);
    expect(verdict.mailClass).toBe(fixture.mailClass);
    expect(verdict.authenticity).toBe(fixture.authenticity);
    if (fixture.authenticity === 'trusted') expect(verdict.secret?.value).toBe(fixture.secret);
    else expect(verdict.secret).toBeUndefined();
  });

  it('says why the suspicious ones are suspicious', async () => {
    expect((await verdictOf('lookalike-sender.eml')).reasons.join()).toMatch(
      /signin-aws\.com is not an AWS domain/,
    );
    expect((await verdictOf('failed-dkim.eml')).reasons.join()).toMatch(/DKIM fail/);
    expect((await verdictOf('awscdk-rootmail_password-reset-fixture.eml')).reasons.join()).toMatch(
      /no Authentication-Results/,
    );
    const external = await verdictOf('forwarded-external.eml');
    expect(external.forwarded).toBe(true);
    expect(external.reasons.join()).toMatch(/forwarded by gmail\.com/);
  });

  it('trusts an internal redirect that kept the AWS hop results on top', async () => {
    const verdict = await verdictOf('forwarded-internal.eml');
    expect(verdict).toMatchObject({ forwarded: true, authenticity: 'trusted' });
  });
});

describe('sender domains', () => {
  it.each([
    ['no-reply@signin.aws', true],
    ['no-reply@verify.signin.aws', true],
    ['no-reply-aws@amazon.com', true],
    ['no-reply@signin-aws.com', false],
    ['no-reply@signin.aws.evil.com', false],
    ['no-reply@amazon.com.co', false],
    ['no-reply@notamazon.com', false],
  ])('%s is an AWS sender: %s', (address, expected) => {
    expect(isAwsSender(address)).toBe(expected);
  });

  it('makes a look-alike subdomain suspicious even with perfect authentication', () => {
    const verdict = classifyMail({
      fromAddress: 'no-reply@signin.aws.evil.com',
      authenticationResults: [
        'spf=pass smtp.mailfrom=signin.aws.evil.com; dkim=pass header.d=signin.aws.evil.com',
      ],
      resentFrom: [],
      text: 'Your verification code is 902211',
      html: '',
      internalDomains: INTERNAL,
    });
    expect(verdict).toMatchObject({ authenticity: 'suspicious', mailClass: 'verification' });
    expect(verdict.secret).toBeUndefined();
  });
});

describe('authentication results', () => {
  it('requires SPF and DKIM pass, DMARC pass when present, for the From domain', () => {
    const ok =
      'spf=pass smtp.mailfrom=signin.aws; dkim=pass header.d=signin.aws; dmarc=pass header.from=signin.aws';
    expect(authenticationProblems(ok, 'signin.aws')).toEqual([]);
    expect(authenticationProblems('spf=pass; dkim=pass header.d=signin.aws', 'signin.aws')).toEqual([]);
    expect(authenticationProblems('spf=softfail; dkim=pass header.d=signin.aws', 'signin.aws')).toEqual([
      'SPF softfail',
    ]);
    expect(authenticationProblems(ok.replace('dmarc=pass', 'dmarc=fail'), 'signin.aws')).toEqual([
      'DMARC fail',
    ]);
    expect(authenticationProblems('spf=pass; dkim=pass header.d=evil.com', 'signin.aws')[0]).toMatch(
      /signed by evil\.com/,
    );
    expect(authenticationProblems(ok, 'amazon.com')[0]).toMatch(/made for signin\.aws/);
  });

  it('believes only the topmost header', () => {
    const verdict = classifyMail({
      fromAddress: 'no-reply@signin.aws',
      authenticationResults: ['spf=fail; dkim=none', 'spf=pass; dkim=pass header.d=signin.aws; dmarc=pass'],
      resentFrom: [],
      text: 'Verification code: 123456',
      html: '',
      internalDomains: INTERNAL,
    });
    expect(verdict.authenticity).toBe('suspicious');
  });
});

describe('content patterns, whatever the subject', () => {
  it('finds codes only near a code phrase and never takes a word for a code', () => {
    expect(readContent('Security code\n\nA1B2C3\n', '').secret).toEqual({ type: 'code', value: 'A1B2C3' });
    expect(readContent('Welcome to AMAZON web services, your account is ready', '').mailClass).toBe(
      'account-notice',
    );
    expect(readContent('Order 123456 shipped', '').mailClass).toBe('unrelated');
  });

  it('reads links out of html-only mails', () => {
    const html = '<p><a href="https://signin.aws.amazon.com/resetpassword?token=abc&amp;x=1">Reset</a></p>';
    expect(readContent('', html).secret).toEqual({
      type: 'link',
      value: 'https://signin.aws.amazon.com/resetpassword?token=abc&x=1',
    });
  });
});
