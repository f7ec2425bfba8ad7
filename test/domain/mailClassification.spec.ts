import { readdirSync } from 'node:fs';
import path from 'node:path';
import { readMail } from '../../src/app/mail/readMail';
import {
  classifyRootMail,
  CLASS_ROUTING,
  CONTENT_RULES,
  destinationOf,
  KIND_LABELS,
  MailFacts,
  RootMailVerdict,
  ROUTING_RULES,
} from '../../src/domain/mailClassification';
import { MAIL_FIXTURES, readFixture } from '../support/mailFixtures';

const INTERNAL = ['contoso.com'];

async function factsOf(file: string): Promise<MailFacts> {
  const mail = await readMail(readFixture(file));
  return { ...mail.facts, internalDomains: INTERNAL };
}
async function verdictOf(file: string): Promise<RootMailVerdict> {
  return classifyRootMail(await factsOf(file));
}

describe('the sample mails, read as the relay reads them', () => {
  it('has an expectation for every file in test/fixtures/mail, and at least 30 of them', () => {
    const files = readdirSync(path.join(__dirname, '../fixtures/mail')).filter((f) => f.endsWith('.eml'));
    expect(MAIL_FIXTURES.map((f) => f.file).sort()).toEqual(files.sort());
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(MAIL_FIXTURES)(
    '$file: $class / $kind, $trust, goes to $destination',
    async ({ file, class: mailClass, kind, trust, secret, owner, destination }) => {
      const verdict = await verdictOf(file);
      expect({ class: verdict.class, kind: verdict.kind, trust: verdict.trust }).toEqual({
        class: mailClass,
        kind,
        trust,
      });
      expect(verdict.routing).toBe(ROUTING_RULES[CLASS_ROUTING[mailClass]]);
      expect(destinationOf(verdict.routing, owner)).toBe(destination);
      if (trust === 'trusted') {
        expect(verdict.secret?.value).toBe(secret);
        expect(verdict.reasons).toEqual([]);
      } else {
        expect(verdict.secret).toBeUndefined();
        expect(verdict.reasons.length).toBeGreaterThan(0);
      }
    },
  );

  it('gives every untrusted mail reasons a person can read: sentences that name what failed', async () => {
    for (const fixture of MAIL_FIXTURES.filter((f) => f.trust !== 'trusted')) {
      for (const reason of (await verdictOf(fixture.file)).reasons) {
        expect(reason).toMatch(/^[A-Z][^\n]{20,200}$/);
        expect(reason).not.toMatch(/undefined|\[object/);
      }
    }
  });

  it('says why each kind of failure is not trusted', async () => {
    const reasonsOf = async (file: string) => (await verdictOf(file)).reasons.join(' | ');
    expect(await reasonsOf('lookalike-sender.eml')).toMatch(/signin-aws\.com imitates an AWS name/);
    expect(await reasonsOf('lookalike-amaz0n-payment.eml')).toMatch(/amaz0n-aws\.com imitates an AWS name/);
    expect(await reasonsOf('signup-code-dkim-fail.eml')).toMatch(/DKIM fail.*signup\.aws/);
    expect(await reasonsOf('signup-code-dkim-fail.eml')).toMatch(/SPF alone never proves/);
    expect(await reasonsOf('dmarc-fail-other-signer.eml')).toMatch(
      /DMARC fail for amazon\.com.*DKIM was signed by bulkmailer\.example/,
    );
    expect(await reasonsOf('awscdk-rootmail_password-reset-fixture.eml')).toMatch(
      /no Authentication-Results/,
    );
    expect(await reasonsOf('signup-code-forwarded-external.eml')).toMatch(/forwarded by outlook\.com/);
    expect(await reasonsOf('display-name-spoof.eml')).toMatch(
      /calls itself "Amazon Web Services" but writes from partner-notices\.example/,
    );
    expect(await reasonsOf('content-claim-helpdesk.eml')).toMatch(
      /reads like an AWS sign-up verification code/,
    );
    expect(await reasonsOf('newsletter-mentions-aws-code.eml')).toMatch(
      /not from AWS, and does not claim to/,
    );
  });

  it('withholds the secret of a suspicious mail but says what kind of secret it carried', async () => {
    expect(await verdictOf('signup-code-lookalike.eml')).toMatchObject({
      withheld: 'code',
      kind: 'signup-code',
    });
    expect(await verdictOf('lookalike-sender.eml')).toMatchObject({ withheld: 'link' });
    expect((await verdictOf('display-name-spoof.eml')).withheld).toBeUndefined();
  });

  it('keeps the subject for the "AWS mail" card and marks forwarded copies', async () => {
    expect(await verdictOf('organizations-invitation.eml')).toMatchObject({
      class: 'aws-other',
      label: 'AWS mail',
      subject: 'Your AWS account is invited to join an organization',
    });
    expect((await verdictOf('forwarded-internal.eml')).forwarded).toBe(true);
    expect((await verdictOf('verification-code.eml')).forwarded).toBe(false);
  });

  it('tells a root e-mail change code apart from other codes (the adoption feature takes it)', async () => {
    const kinds = await Promise.all(
      [
        'email-change-code-console.eml',
        'email-change-otp-organizations.eml',
        'signup-code-signup-aws.eml',
      ].map(async (f) => (await verdictOf(f)).kind),
    );
    expect(kinds).toEqual(['email-change-code', 'email-change-code', 'signup-code']);
  });
});

describe('classes by sender and content, never by subject alone', () => {
  const authenticated = (from: string, subject: string, text: string): MailFacts => {
    const domain = from.split('@')[1];
    return {
      fromAddress: from,
      subject,
      authenticationResults: [
        `dkim=pass header.d=${domain}; dmarc=pass header.from=${domain}; compauth=pass`,
      ],
      resentFrom: [],
      text,
      html: '',
      internalDomains: INTERNAL,
    };
  };

  it('does not call a mail "welcome" for its subject alone', () => {
    const mail = authenticated(
      'no-reply-aws@amazon.com',
      'Welcome to Amazon Web Services',
      'Your report is attached.',
    );
    expect(classifyRootMail(mail)).toMatchObject({ class: 'aws-other', kind: 'aws-other' });
    const worded = { ...mail, text: 'Welcome to Amazon Web Services! Your report is attached.' };
    expect(classifyRootMail(worded)).toMatchObject({ class: 'noise', kind: 'welcome' });
  });

  it('lets the subject add to a code mail, and lets the AWS Health sender speak for itself', () => {
    const code = 'Verification code\n730518';
    expect(classifyRootMail(authenticated('no-reply@signin.aws', 'Finish your AWS sign-up', code)).kind).toBe(
      'signup-code',
    );
    expect(classifyRootMail(authenticated('no-reply@signin.aws', 'Your code', code)).kind).toBe(
      'verification-code',
    );
    const health = authenticated(
      'health@aws.com',
      'Notice',
      'Lambda will change how it bills provisioned concurrency.',
    );
    expect(classifyRootMail(health)).toMatchObject({ class: 'service-notice', kind: 'health-event' });
  });

  it('posts authenticated AWS mail that fits no class as "AWS mail", never drops it', () => {
    const mail = authenticated('no-reply-aws@amazon.com', 'Something new', 'A sentence no rule knows.');
    expect(classifyRootMail(mail)).toMatchObject({
      class: 'aws-other',
      trust: 'trusted',
      subject: 'Something new',
    });
    expect(classifyRootMail(mail).routing.oncall).toBe('aws-mail-card');
  });
});

describe('routing', () => {
  it('resolves each rule against what is known of the owner', () => {
    const all = (owner: 'known' | 'unknown' | 'left') =>
      Object.fromEntries(Object.values(ROUTING_RULES).map((r) => [r.id, destinationOf(r, owner)]));
    expect(all('known')).toEqual({
      'oncall-secret': 'oncall-secret',
      'oncall-urgent': 'oncall-urgent',
      'owner-else-oncall': 'owner',
      'owner-else-digest': 'owner',
      recorded: 'recorded',
      'oncall-warning': 'oncall-warning',
      'oncall-aws-mail': 'oncall-aws-mail',
    });
    for (const owner of ['unknown', 'left'] as const) {
      expect(all(owner)).toMatchObject({
        'owner-else-oncall': 'oncall-if-no-owner',
        'owner-else-digest': 'digest',
      });
    }
  });

  it('lets on-call reveal secrets only, and never routes a suspicious mail to the owner', () => {
    const revealing = Object.values(ROUTING_RULES).filter((r) => r.reveal);
    expect(revealing.map((r) => r.id)).toEqual(['oncall-secret']);
    expect(ROUTING_RULES[CLASS_ROUTING.suspicious].owner).toBe('nothing');
  });

  it('has a label for every kind a rule can produce', () => {
    for (const rule of CONTENT_RULES) expect(KIND_LABELS[rule.kind]).toMatch(/\w/);
  });
});
