import {
  accountNameProblem,
  awsAccountIdProblem,
  isPoolLow,
  isValidRootEmail,
  normalizeAddress,
  plusAddressFor,
  poolBucketOf,
  POOL_BUCKETS,
  rootEmailProblem,
} from '../../src/domain/addressRules';
import { parsePoolCsv, describeLineProblems } from '../../src/domain/poolCsv';

describe('AWS root e-mail rules', () => {
  it.each(['aws-k3x9q2@contoso.com', 'a+b-c.d_e@sub.contoso.co.uk', 'ab@c.de'])('accepts %s', (a) => {
    expect(rootEmailProblem(a)).toBeUndefined();
  });

  it.each([
    ['a@b.c', /6–64 characters/],
    [`${'x'.repeat(60)}@contoso.com`, /6–64 characters long \(it has 72\)/],
    ['jürgen@contoso.com', /7-bit ASCII/],
    ['john doe@contoso.com', /7-bit ASCII characters only, without spaces/],
    ['no-at-sign.contoso.com', /exactly one @/],
    ['a@b@contoso.com', /exactly one @/],
    ['.aws@contoso.com', /must not start with a dot/],
    ['aws%1@contoso.com', /must not contain any of/],
    ['aws,1@contoso.com', /must not contain any of/],
    ['"aws"@contoso.com', /must not contain any of/],
    ['aws@localhost', /at least one dot/],
    ['@contoso.com', /nothing before the @/],
  ])('refuses %s, saying what to fix', (address, message) => {
    expect(rootEmailProblem(address)).toMatch(message);
    expect(isValidRootEmail(address)).toBe(false);
  });

  it('normalizes case, spaces and mailto:', () => {
    expect(normalizeAddress('  MailTo:AWS-1@Contoso.COM ')).toBe('aws-1@contoso.com');
  });
});

describe('account names and AWS account ids', () => {
  it.each(['payments-prod', 'abc', 'A1-B2', 'x'.repeat(40)])('accepts %s', (name) => {
    expect(accountNameProblem(name)).toBeUndefined();
  });
  it.each(['prod payments', 'ab', 'x'.repeat(41), '-lead', 'trail-', 'dots.no', 'double--hyphen'])(
    'refuses %s in words',
    (name) => {
      expect(accountNameProblem(name)).toMatch(
        /is not a valid account name: use letters, digits and hyphens, 3–40 characters/,
      );
    },
  );
  it('shows the refused name exactly as typed', () => {
    expect(accountNameProblem('prod payments')).toMatch(/^`prod payments` is not a valid account name/);
  });
  it.each(['123456789012', ' 000000000001 '])('accepts account id %s', (id) => {
    expect(awsAccountIdProblem(id)).toBeUndefined();
  });
  it.each(['12345678901', '1234567890123', '12345678901a', '1234-5678-9012'])(
    'refuses account id %s',
    (id) => {
      expect(awsAccountIdProblem(id)).toMatch(/must be exactly 12 digits/);
    },
  );
});

describe('plus addresses', () => {
  it('derives local+name@domain in lower case', () => {
    expect(plusAddressFor('aws@contoso.com', 'Payments-Prod')).toEqual({
      address: 'aws+payments-prod@contoso.com',
    });
  });
  it('refuses a name that would make the address too long for AWS', () => {
    const { address, problem } = plusAddressFor('aws-root-accounts@platform.contoso.com', 'x'.repeat(30));
    expect(address).toBeUndefined();
    expect(problem).toMatch(/AWS does not accept .*6–64 characters.*pick a shorter account name/);
  });
  it('refuses a bad account name before building anything', () => {
    expect(plusAddressFor('aws@contoso.com', 'prod payments').problem).toMatch(/not a valid account name/);
  });
});

describe('pool helpers', () => {
  it('spreads addresses over all buckets, stably', () => {
    const buckets = new Set(Array.from({ length: 2000 }, (_, i) => poolBucketOf(`aws-${i}@contoso.com`)));
    expect(buckets.size).toBe(POOL_BUCKETS);
    expect(poolBucketOf('aws-1@contoso.com')).toBe(poolBucketOf('aws-1@contoso.com'));
  });
  it('is low under 10 % free, never for an empty pool', () => {
    expect(isPoolLow(9, 100)).toBe(true);
    expect(isPoolLow(10, 100)).toBe(false);
    expect(isPoolLow(0, 0)).toBe(false);
  });
});

describe('pool CSV', () => {
  it('reads lines with or without a header, skipping blanks and comments, in lower case', () => {
    const { rows, problems } = parsePoolCsv(
      'mailbox,address\n# first box\nPool-1@Contoso.com, AWS-A1@contoso.com\n\n',
    );
    expect(problems).toEqual([]);
    expect(rows).toEqual([{ line: 3, mailbox: 'pool-1@contoso.com', address: 'aws-a1@contoso.com' }]);
    expect(parsePoolCsv('pool-1@contoso.com,aws-a1@contoso.com').rows).toHaveLength(1);
  });
  it('reports every bad line by number', () => {
    const { problems } = parsePoolCsv(
      [
        'mailbox,address',
        'pool-1@contoso.com,aws-1@contoso.com',
        'pool-1@contoso.com',
        'pool-1@contoso.com,aws 2@contoso.com',
        'pool-2@contoso.com,aws-1@contoso.com',
        'pool-1@contoso.com,pool-1@contoso.com',
      ].join('\n'),
    );
    expect(problems.map((p) => p.line)).toEqual([3, 4, 5, 6]);
    expect(problems[0].problem).toMatch(/two columns/);
    expect(problems[1].problem).toMatch(/without spaces/);
    expect(problems[2].problem).toMatch(/already given to pool-1@contoso.com on line 2/);
    expect(problems[3].problem).toMatch(/the mailbox itself/);
    expect(describeLineProblems(problems)).toMatch(/^Nothing was imported: fix these 4 lines.*\nline 3: /s);
  });
  it('treats the same line twice as one alias', () => {
    const { rows, problems } = parsePoolCsv(
      'p@contoso.com,aws-1@contoso.com\np@contoso.com,aws-1@contoso.com',
    );
    expect(problems).toEqual([]);
    expect(rows).toHaveLength(1);
  });
});
