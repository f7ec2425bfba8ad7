import {
  authenticationProblems,
  authservIdOf,
  awsSenderDomains,
  boundaryResults,
  classifyRootMail,
  isAwsSender,
  MailFacts,
  organisationalDomain,
  parseAuthenticationResults,
  ReceivingBoundary,
  senderDomainProblem,
  TOPMOST,
} from '../../src/domain/mailClassification';

const SIGNUP_TEXT =
  'Thanks for starting the new AWS account creation process.\n\nVerification code\n482913\n';

/** Authentication-Results as Exchange Online writes them; every part can be changed. */
function exchange(
  from: string,
  o: { spf?: string; dkim?: string; d?: string; dmarc?: string; headerFrom?: string; compauth?: string } = {},
): string {
  const { spf = 'pass', dkim = 'pass', d = from, dmarc = 'pass', headerFrom = from, compauth = 'pass' } = o;
  return (
    `spf=${spf} (sender IP is 54.240.48.93) smtp.mailfrom=${from}; dkim=${dkim} (signature was verified) ` +
    `header.d=${d};dmarc=${dmarc} action=none header.from=${headerFrom};compauth=${compauth} reason=100`
  );
}

function mail(
  fromAddress: string,
  authenticationResults: string[],
  more: Partial<MailFacts> = {},
): MailFacts {
  return {
    fromAddress,
    authenticationResults,
    resentFrom: [],
    text: SIGNUP_TEXT,
    html: '',
    internalDomains: ['contoso.com'],
    ...more,
  };
}

const trust = (facts: MailFacts, extraSenderDomains?: string[]) =>
  classifyRootMail(facts, { extraSenderDomains }).trust;

describe('trust by alignment', () => {
  it('trusts AWS subdomains whose DKIM signer shares their organisational domain', () => {
    expect(trust(mail('no-reply@signup.aws', [exchange('signup.aws')]))).toBe('trusted');
    expect(
      trust(mail('no-reply@verify.signin.aws', [exchange('verify.signin.aws', { d: 'signin.aws' })])),
    ).toBe('trusted');
    expect(trust(mail('x@email.amazon.com', [exchange('email.amazon.com', { d: 'amazon.com' })]))).toBe(
      'trusted',
    );
    expect(trust(mail('health@aws.com', [exchange('aws.com')]))).toBe('trusted');
  });

  it.each([
    ['no-reply@signin.aws.evil.com', 'signin.aws.evil.com'],
    ['no-reply@signup-aws.com', 'signup-aws.com'],
    ['billing@amaz0n.com', 'amaz0n.com'],
    ['no-reply@amazon.com.co', 'amazon.com.co'],
    ['alert@aws-security.com', 'aws-security.com'],
  ])('does not trust the look-alike %s, even perfectly authenticated for itself', (from, domain) => {
    const verdict = classifyRootMail(mail(from, [exchange(domain)]));
    expect(verdict).toMatchObject({ trust: 'suspicious', class: 'suspicious', kind: 'signup-code' });
    expect(verdict.secret).toBeUndefined();
    expect(verdict.reasons.join()).toContain(domain);
  });

  it('does not trust a DMARC failure, whatever compauth says', () => {
    const verdict = classifyRootMail(
      mail('no-reply@signup.aws', [exchange('signup.aws', { dmarc: 'fail', compauth: 'pass' })]),
    );
    expect(verdict.trust).toBe('suspicious');
    expect(verdict.reasons[0]).toMatch(/^DMARC fail for signup\.aws/);
  });

  it("trusts Exchange's compauth=pass where DMARC gave no verdict, with DKIM aligned", () => {
    const bestGuess = exchange('signin.aws', { dmarc: 'bestguesspass' });
    expect(trust(mail('no-reply@signin.aws', [bestGuess]))).toBe('trusted');
    const noDmarc =
      'spf=pass smtp.mailfrom=signin.aws; dkim=pass header.d=signin.aws; compauth=pass reason=109';
    expect(trust(mail('no-reply@signin.aws', [noDmarc]))).toBe('trusted');
    const neither = exchange('signin.aws', { dmarc: 'none', compauth: 'fail' });
    expect(authenticationProblems(neither, 'signin.aws')).toEqual([
      "Neither DMARC nor Exchange's composite authentication passed for signin.aws (DMARC none, compauth fail)",
    ]);
  });

  it('does not trust DKIM signed by a different organisational domain, even with DMARC pass', () => {
    expect(authenticationProblems(exchange('amazon.com', { d: 'amazonses.com' }), 'amazon.com')).toEqual([
      'DKIM was signed by amazonses.com, which does not belong to amazon.com',
      'SPF passed, but SPF alone never proves the sender shown in the From line',
    ]);
    // Under .aws every second-level name is its own organisation: signin.aws does not sign for signup.aws.
    expect(trust(mail('no-reply@signup.aws', [exchange('signup.aws', { d: 'signin.aws' })]))).toBe(
      'suspicious',
    );
  });

  it('accepts one aligned DKIM pass among several signatures', () => {
    const two =
      'spf=pass smtp.mailfrom=amazonses.com; dkim=pass header.d=amazonses.com; dkim=pass header.d=signup.aws; ' +
      'dmarc=pass header.from=signup.aws';
    expect(trust(mail('no-reply@signup.aws', [two]))).toBe('trusted');
  });

  it('does not trust results made for another From domain', () => {
    const verdict = classifyRootMail(
      mail('no-reply@signup.aws', [exchange('signup.aws', { headerFrom: 'signin.aws', d: 'signup.aws' })]),
    );
    expect(verdict.trust).toBe('suspicious');
    expect(verdict.reasons[0]).toBe(
      'The gateway checked the sender signin.aws, not the From domain signup.aws',
    );
  });

  it('never takes SPF alone as proof', () => {
    const spfOnly =
      'spf=pass (sender IP is 54.240.48.93) smtp.mailfrom=signup.aws; dkim=none (message not signed)';
    const verdict = classifyRootMail(mail('no-reply@signup.aws', [spfOnly]));
    expect(verdict.trust).toBe('suspicious');
    expect(verdict.reasons).toContain(
      'SPF passed, but SPF alone never proves the sender shown in the From line',
    );
  });

  it('needs the header: a mail without Authentication-Results is not trusted', () => {
    expect(classifyRootMail(mail('no-reply@signup.aws', [])).reasons).toEqual([
      'It carries no Authentication-Results from our mail gateway, so its sender cannot be verified',
    ]);
  });

  it('believes only the topmost header, the one our gateway added last', () => {
    const forgedBelow = [exchange('signup.aws', { dkim: 'fail', dmarc: 'fail' }), exchange('signup.aws')];
    expect(trust(mail('no-reply@signup.aws', forgedBelow))).toBe('suspicious');
  });

  it('reads the RFC 8601 form with an authserv-id and header.i as well', () => {
    const google =
      'mx.google.com; dkim=pass header.i=@signup.aws header.s=abc header.b=KqT0h3Qm; ' +
      'spf=pass (google.com: domain of no-reply@signup.aws designates 54.240.48.93 as permitted sender) ' +
      'smtp.mailfrom=no-reply@signup.aws; dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=signup.aws';
    expect(parseAuthenticationResults(google).map((r) => `${r.method}=${r.result}`)).toEqual([
      'dkim=pass',
      'spf=pass',
      'dmarc=pass',
    ]);
    expect(authenticationProblems(google, 'signup.aws')).toEqual([]);
  });
});

describe('forwarded copies', () => {
  it('trusts a redirect by our own domain that kept the AWS hop on top', () => {
    const verdict = classifyRootMail(
      mail('no-reply@signup.aws', [exchange('signup.aws')], { resentFrom: ['aws-pool-01@contoso.com'] }),
    );
    expect(verdict).toMatchObject({ trust: 'trusted', forwarded: true });
  });

  it('does not trust a copy forwarded from outside, even with the AWS results on top', () => {
    const verdict = classifyRootMail(
      mail('no-reply@signup.aws', [exchange('signup.aws')], { resentFrom: ['someone@gmail.com'] }),
    );
    expect(verdict.trust).toBe('suspicious');
    expect(verdict.reasons).toEqual([
      'It was forwarded by gmail.com, which is not one of our domains, so it may have been changed',
    ]);
  });
});

describe('sender domains an operator adds', () => {
  const jp = mail('no-reply@amazon.co.jp', [exchange('amazon.co.jp')]);

  it('trusts an added domain only with the same alignment checks', () => {
    expect(trust(jp)).toBe('suspicious');
    expect(trust(jp, ['amazon.co.jp'])).toBe('trusted');
    expect(
      trust(mail('no-reply@amazon.co.jp', [exchange('amazon.co.jp', { dkim: 'fail' })]), ['amazon.co.jp']),
    ).toBe('suspicious');
    expect(isAwsSender('no-reply@amazon.co.jp', ['amazon.co.jp'])).toBe(true);
  });

  it('refuses entries that would widen trust to a whole suffix, and cannot remove AWS domains', () => {
    expect(senderDomainProblem('com')).toMatch(/not a domain name/);
    expect(senderDomainProblem('co.jp')).toMatch(/public suffix/);
    expect(senderDomainProblem('amazon.co.jp')).toBeUndefined();
    expect(awsSenderDomains(['com', 'co.jp', '@Amazon.co.jp'])).toEqual([
      'aws',
      'amazon.com',
      'amazonaws.com',
      'aws.com',
      'amazon.co.jp',
    ]);
  });
});

describe('organisational domains', () => {
  it.each([
    ['verify.signin.aws', 'signin.aws'],
    ['signup.aws', 'signup.aws'],
    ['email.amazon.com', 'amazon.com'],
    ['a.b.amazon.co.jp', 'amazon.co.jp'],
    ['Signin.AWS.', 'signin.aws'],
  ])('%s belongs to %s', (domain, organisation) => {
    expect(organisationalDomain(domain)).toBe(organisation);
  });
});

describe('links in a trusted mail', () => {
  it('withholds a reset link that points outside AWS, even in an authenticated mail', () => {
    const verdict = classifyRootMail(
      mail(
        'password-reset-no-reply@verify.signin.aws',
        [exchange('verify.signin.aws', { d: 'signin.aws' })],
        {
          text: 'To reset your password, open https://signin-aws.com/resetpassword?token=abc',
        },
      ),
    );
    expect(verdict).toMatchObject({ trust: 'suspicious', kind: 'password-reset', withheld: 'link' });
    expect(verdict.reasons).toEqual([
      'The password reset link points to signin-aws.com, which is not an AWS address',
    ]);
  });
});

/**
 * Issue 18, point 3: mail that came in over SMTP is judged by the results its relay stamped, known by its
 * authserv-id (SMTP_TRUSTED_AUTHSERV_ID), never by a header the sender wrote.
 */
describe('the receiving boundary of SMTP mail', () => {
  const RELAY = 'mx.contoso.com';
  const relay = { kind: 'relay', authservIds: [RELAY] } as const;
  /** Authentication-Results as a relay with an authserv-id writes them (OpenDMARC, Postfix, Exim …). */
  const stamped = (id: string, from: string, o: { dkim?: string; dmarc?: string } = {}) =>
    `${id}; spf=pass smtp.mailfrom=${from}; dkim=${o.dkim ?? 'pass'} header.d=${from}; dmarc=${o.dmarc ?? 'pass'} header.from=${from}`;
  const smtpTrust = (headers: string[], boundary: ReceivingBoundary = relay) =>
    classifyRootMail(mail('no-reply@signup.aws', headers), { boundary });

  it('reads the authserv-id a header starts with; Exchange Online writes none', () => {
    expect(authservIdOf(stamped('MX.Contoso.com', 'signup.aws'))).toBe('mx.contoso.com');
    expect(authservIdOf('mx.contoso.com 1; none')).toBe('mx.contoso.com');
    expect(authservIdOf('(our gateway) mx.contoso.com; dkim=pass')).toBe('mx.contoso.com');
    expect(authservIdOf(exchange('signup.aws'))).toBeUndefined();
  });

  it('trusts what the relay stamped, even with the sender’s own headers below it', () => {
    const verdict = smtpTrust([
      stamped(RELAY, 'signup.aws'),
      stamped('mx.elsewhere.example', 'signup.aws'),
      exchange('signup.aws'),
    ]);
    expect(verdict.trust).toBe('trusted');
  });

  it('believes no header the sender wrote: no authserv-id, another one, or below the relay’s own', () => {
    expect(smtpTrust([exchange('signup.aws')])).toMatchObject({
      trust: 'suspicious',
      reasons: [expect.stringMatching(/no Authentication-Results from our relay \(mx\.contoso\.com\)/)],
    });
    expect(smtpTrust([stamped('mx.attacker.example', 'signup.aws')]).trust).toBe('suspicious');
    // An untrusted hop above the relay claims a pass; the relay's own results say DKIM failed.
    const above = smtpTrust([
      stamped('mx.attacker.example', 'signup.aws'),
      stamped(RELAY, 'signup.aws', { dkim: 'fail', dmarc: 'fail' }),
      stamped(RELAY, 'signup.aws'), // forged by the sender: below the relay's own, never read
    ]);
    expect(above.trust).toBe('suspicious');
    expect(above.reasons.join(' ')).toMatch(/DMARC fail/);
  });

  it('trusts no SMTP mail at all when no relay is configured', () => {
    const verdict = smtpTrust([stamped(RELAY, 'signup.aws')], { kind: 'relay', authservIds: [] });
    expect(verdict.trust).toBe('suspicious');
    expect(verdict.reasons).toEqual([
      expect.stringMatching(/no relay is trusted .*SMTP_TRUSTED_AUTHSERV_ID/),
    ]);
    expect(verdict.secret).toBeUndefined();
  });

  it('judges mail from Graph by the topmost header, as Exchange Online writes it', () => {
    expect(boundaryResults(['top', 'below'], TOPMOST)).toBe('top');
    expect(smtpTrust([exchange('signup.aws')], TOPMOST).trust).toBe('trusted');
  });
});
