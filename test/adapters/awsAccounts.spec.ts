import { AwsOrganizationsAccounts } from '../../src/adapters/awsAccounts';
import {
  AwsAccessDeniedError,
  AwsAccountNotFoundError,
  AwsThrottledError,
  AwsUnavailableError,
  NotManagementAccountError,
  PrimaryEmailUpdateRejectedError,
  TrustedAccessDisabledError,
} from '../../src/ports/awsAccounts';
import { FakeAws, OtpMail } from '../support/fakeAws';

const staticKeys = async () => ({ accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' });

async function all<T>(items: AsyncIterable<T>, limit = Infinity): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    out.push(item);
    if (out.length >= limit) break;
  }
  return out;
}

describe('AwsOrganizationsAccounts: the real AWS SDK clients against a loopback AWS', () => {
  let fake: FakeAws;
  let aws: AwsOrganizationsAccounts;
  const retry = { maxAttempts: 4, baseDelayMs: 8, maxDelayMs: 200 };

  beforeAll(async () => {
    fake = new FakeAws();
    fake.seedAccounts(2_499, {
      state: (i) => (i % 500 === 7 ? 'CLOSED' : i % 500 === 9 ? 'PENDING_CLOSURE' : 'ACTIVE'),
    });
    await fake.start();
    aws = new AwsOrganizationsAccounts({
      region: 'eu-west-1',
      credentials: staticKeys,
      endpoints: { organizations: fake.baseUrl, account: fake.baseUrl },
      retry,
    });
  });
  afterAll(async () => {
    aws.destroy();
    await fake.stop();
  });
  beforeEach(() => {
    fake.clearFaults();
    fake.calls.length = 0;
    fake.callerAccountId = fake.managementAccountId;
    fake.trustedAccessForAccountManagement = true;
    fake.pageLimit = 20;
  });

  describe('listing the organisation', () => {
    it('follows NextToken over 2,500 accounts, 20 a page, reading State and the management account', async () => {
      const accounts = await all(aws.listAccounts());

      expect(accounts).toHaveLength(2_500);
      expect(new Set(accounts.map((a) => a.id)).size).toBe(2_500);
      const calls = fake.of('ListAccounts');
      expect(calls).toHaveLength(125);
      expect(calls.every((c) => c.input.MaxResults === 20)).toBe(true);
      expect(calls[0].input.NextToken).toBeUndefined();
      expect(calls[1].input.NextToken).toEqual(expect.any(String));
      expect(calls[0].accessKeyId).toBe('AKIDLOCALTEST'); // SigV4-signed with the given credentials

      const management = accounts.filter((a) => a.isManagementAccount);
      expect(management.map((a) => a.id)).toEqual([fake.managementAccountId]);
      expect(accounts.filter((a) => a.state === 'CLOSED')).toHaveLength(5);
      expect(accounts.filter((a) => a.state === 'PENDING_CLOSURE')).toHaveLength(5);
      expect(accounts[1]).toEqual({
        id: '200000000000',
        name: 'account-200000000000',
        email: 'legacy-1@example.org',
        state: 'ACTIVE',
        joinedAt: '2024-03-01T10:00:00.000Z',
        isManagementAccount: false,
      });
    });

    it('keeps going when AWS answers short pages, and stops asking when the caller stops reading', async () => {
      fake.pageLimit = 7;
      expect(await all(aws.listAccounts(), 100)).toHaveLength(100);
      expect(fake.of('ListAccounts')).toHaveLength(Math.ceil(100 / 7));
    });

    it('describes one account, and says when the organisation has no such account', async () => {
      const [, first] = await all(aws.listAccounts(), 2);
      expect(await aws.describeAccount(first.id)).toEqual(first);

      const missing = aws.describeAccount('999999999999');
      await expect(missing).rejects.toBeInstanceOf(AwsAccountNotFoundError);
      await expect(missing).rejects.toMatchObject({
        accountId: '999999999999',
        awsCode: 'AccountNotFoundException',
        message: expect.stringMatching(/no AWS account 999999999999/),
      });
    });
  });

  describe('throttling', () => {
    it('retries TooManyRequestsException with growing backoff, then succeeds', async () => {
      fake.fail('ListAccounts', 'throttled', 3);

      expect(await all(aws.listAccounts(), 40)).toHaveLength(40);

      const firstPage = fake.of('ListAccounts').slice(0, 4);
      expect(firstPage.map((c) => c.fault)).toEqual(['throttled', 'throttled', 'throttled', undefined]);
      expect(firstPage.map((c) => c.input.NextToken)).toEqual([undefined, undefined, undefined, undefined]);
      // Retry n waits at least half of base·2^(n-1): 4, 8, 16 ms with base 8 ms.
      const gaps = firstPage.slice(1).map((c, i) => c.at - firstPage[i].at);
      gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual((retry.baseDelayMs * 2 ** i) / 2 - 1));
    });

    it('retries Account Management throttling (HTTP 429) the same way', async () => {
      const member = fake.seedAccounts(1)[0];
      fake.fail('GetPrimaryEmail', 'throttled', 2);
      expect(await aws.getPrimaryEmail(member.id)).toBe(member.email);
      expect(fake.of('GetPrimaryEmail').map((c) => c.status)).toEqual([429, 429, 200]);
    });

    it('gives up after the configured attempts with AwsThrottledError', async () => {
      fake.fail('ListAccounts', 'throttled', 10);
      const listing = all(aws.listAccounts());
      await expect(listing).rejects.toBeInstanceOf(AwsThrottledError);
      await expect(listing).rejects.toMatchObject({ attempts: 4, operation: 'ListAccounts' });
      expect(fake.of('ListAccounts')).toHaveLength(4);
    });
  });

  describe('errors an admin has to fix', () => {
    it('names the IAM action the role lacks', async () => {
      fake.fail('ListAccounts', 'access-denied');
      const listing = all(aws.listAccounts());
      await expect(listing).rejects.toBeInstanceOf(AwsAccessDeniedError);
      await expect(listing).rejects.toThrow(
        /may not call organizations:ListAccounts.*infra\/aws\/rootmail-role\.yaml/,
      );
      expect(fake.of('ListAccounts')).toHaveLength(1); // not retried
    });

    it('says when the role is not in the management account or a delegated administrator', async () => {
      const member = fake.seedAccounts(1)[0];
      fake.callerAccountId = member.id;
      await expect(all(aws.listAccounts())).rejects.toBeInstanceOf(NotManagementAccountError);
      await expect(aws.getPrimaryEmail(member.id)).rejects.toThrow(
        /neither the organisation's management account nor a delegated administrator for AWS Account Management/,
      );

      fake.delegatedAdministrators.organizations.add(member.id);
      fake.delegatedAdministrators.account.add(member.id);
      expect(await all(aws.listAccounts(), 1)).toHaveLength(1);
      expect(await aws.getPrimaryEmail(member.id)).toBe(member.email);
    });

    it('says when trusted access for AWS Account Management is off, with the command that turns it on', async () => {
      const member = fake.seedAccounts(1)[0];
      fake.trustedAccessForAccountManagement = false;
      const start = aws.startPrimaryEmailUpdate(member.id, 'aws+adopt1@contoso.com');
      await expect(start).rejects.toBeInstanceOf(TrustedAccessDisabledError);
      await expect(start).rejects.toThrow(
        'aws organizations enable-aws-service-access --service-principal account.amazonaws.com',
      );
      fake.trustedAccessForAccountManagement = true;
      fake.fail('GetPrimaryEmail', 'trusted-access-disabled');
      await expect(aws.getPrimaryEmail(member.id)).rejects.toBeInstanceOf(TrustedAccessDisabledError);
    });

    it('retries a failure on AWS’s side, and reports AwsUnavailableError when it lasts', async () => {
      fake.fail('DescribeAccount', 'internal-error', 1);
      expect((await aws.describeAccount(fake.managementAccountId)).isManagementAccount).toBe(true);

      fake.fail('DescribeAccount', 'internal-error', 10);
      await expect(aws.describeAccount(fake.managementAccountId)).rejects.toBeInstanceOf(AwsUnavailableError);
      expect(fake.of('DescribeAccount')).toHaveLength(1 + 1 + 4);
    });
  });

  describe('changing a root e-mail (StartPrimaryEmailUpdate → code mail → AcceptPrimaryEmailUpdate)', () => {
    it('mails a code to the new address, refuses a wrong code, accepts the right one, then completes', async () => {
      const member = fake.seedAccounts(1, { email: () => 'someone.who.left@contoso.com' })[0];
      const mails: OtpMail[] = [];
      fake.onOtp = (mail) => void mails.push(mail);
      const newEmail = 'aws-0042@rootmail.contoso.com';

      expect(await aws.startPrimaryEmailUpdate(member.id, newEmail)).toBe('PENDING');
      const mail = await fake.nextOtp(member.id);
      expect(mail).toMatchObject({
        accountId: member.id,
        to: newEmail,
        otp: expect.stringMatching(/^[A-Z0-9]{6}$/),
      });
      expect(mails).toEqual([mail]); // the hook got the same mail, after start had answered
      expect(await aws.getPrimaryEmailUpdateStatus(member.id)).toEqual({ status: 'PENDING' });

      const wrong = aws.acceptPrimaryEmailUpdate(
        member.id,
        mail.otp === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA',
        newEmail,
      );
      await expect(wrong).rejects.toBeInstanceOf(PrimaryEmailUpdateRejectedError);
      await expect(wrong).rejects.toMatchObject({ reason: 'invalid-code', awsCode: 'ValidationException' });
      await expect(wrong).rejects.not.toThrow(mail.otp); // the code never ends up in a message
      expect(await aws.getPrimaryEmail(member.id)).toBe('someone.who.left@contoso.com');

      expect(await aws.acceptPrimaryEmailUpdate(member.id, mail.otp, newEmail)).toBe('ACCEPTED');
      expect(await aws.getPrimaryEmail(member.id)).toBe(newEmail);
      expect((await aws.describeAccount(member.id)).email).toBe(newEmail);
      expect((await aws.getPrimaryEmailUpdateStatus(member.id)).status).toBe('ACCEPTED');
      const done = await aws.getPrimaryEmailUpdateStatus(member.id);
      expect(done).toEqual({ status: 'COMPLETED', updatedAt: expect.stringMatching(/Z$/) });

      const accept = fake.of('AcceptPrimaryEmailUpdate').at(-1)!;
      expect(accept.input).toEqual({ AccountId: member.id, Otp: mail.otp, PrimaryEmail: newEmail });
      fake.onOtp = undefined;
    });

    it('refuses an address another account uses, the management account, and an accept without a start', async () => {
      const [a, b] = fake.seedAccounts(2);

      const taken = aws.startPrimaryEmailUpdate(a.id, b.email);
      await expect(taken).rejects.toMatchObject({ reason: 'email-in-use', awsCode: 'ConflictException' });

      const management = aws.startPrimaryEmailUpdate(fake.managementAccountId, 'aws-new@contoso.com');
      await expect(management).rejects.toMatchObject({ reason: 'management-account' });
      await expect(management).rejects.toThrow(/Sign in as its root user/);

      const notStarted = aws.acceptPrimaryEmailUpdate(b.id, 'ABC123', 'aws-x@contoso.com');
      await expect(notStarted).rejects.toMatchObject({ reason: 'no-pending-update' });

      const badAddress = aws.startPrimaryEmailUpdate(a.id, 'not-an-address');
      await expect(badAddress).rejects.toMatchObject({ reason: 'invalid-input' });
      await expect(aws.getPrimaryEmail('999999999999')).rejects.toBeInstanceOf(AwsAccountNotFoundError);
    });
  });
});
