import type { AccessToken, TokenCredential } from '@azure/identity';
import { AwsOrganizationsAccounts } from '../../src/adapters/awsAccounts';
import { webIdentityCredentials } from '../../src/adapters/awsCredentials';
import { loadConfig } from '../../src/config';
import { AwsSignInError } from '../../src/ports/awsAccounts';
import { ManualClock } from '../../src/ports/clock';
import { FakeAws, fakeEntraToken } from '../support/fakeAws';

const TENANT = '72f988bf-0000-4000-8000-2d7cd011db47';
const AUDIENCE = 'api://rootmail-aws';
const IDENTITY_OBJECT_ID = '5b1c3a0e-7d21-4f0e-9a55-0c6a8e2d4f10';
const ROLE_ARN = 'arn:aws:iam::111111111111:role/rootmail';

/** Stands in for the managed identity: an Entra v1 app-only token for the asked scope. */
class TestTokenCredential implements TokenCredential {
  readonly scopes: string[] = [];
  failWith?: Error;
  constructor(private readonly claims: Record<string, unknown> = {}) {}
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    const scope = Array.isArray(scopes) ? scopes[0] : scopes;
    this.scopes.push(scope);
    if (this.failWith) throw this.failWith;
    return {
      token: fakeEntraToken({
        iss: `https://sts.windows.net/${TENANT}/`,
        aud: scope.replace(/\/\.default$/, ''),
        sub: IDENTITY_OBJECT_ID,
        oid: IDENTITY_OBJECT_ID,
        idtyp: 'app',
        n: this.scopes.length,
        ...this.claims,
      }),
      expiresOnTimestamp: Date.now() + 3_600_000,
    };
  }
}

describe('keyless AWS credentials: an Entra ID token exchanged with STS AssumeRoleWithWebIdentity', () => {
  let fake: FakeAws;

  beforeAll(async () => {
    fake = new FakeAws();
    fake.seedAccounts(30);
    await fake.start();
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.calls.length = 0;
    fake.sts.issued.length = 0;
    fake.sts.audience = AUDIENCE;
    fake.sts.subject = IDENTITY_OBJECT_ID;
    fake.sts.roleArn = ROLE_ARN;
    fake.sts.requireIssuedCredentials = true;
    fake.sts.defaultDurationSeconds = 3600;
    fake.now = () => new Date();
  });

  function config() {
    return loadConfig({
      AWS_ROLE_ARN: ROLE_ARN,
      AWS_WEB_IDENTITY_AUDIENCE: AUDIENCE,
      AWS_REGION: 'eu-central-1',
      AZURE_TENANT_ID: TENANT,
      // AWS access makes a deployment, which the bot serves with its own identity (anonymousMode.spec.ts).
      MicrosoftAppId: '3c9f1b7e-2a4d-4e8f-9b6c-1d2e3f4a5b6c',
      MicrosoftAppPassword: 'secret',
      ...fake.env(),
    }).aws!;
  }

  it('signs Organizations calls with the role credentials STS issued for the managed identity token', async () => {
    const tokens = new TestTokenCredential();
    const aws = AwsOrganizationsAccounts.fromConfig(config(), { tokenCredential: tokens });
    try {
      const accounts: string[] = [];
      for await (const account of aws.listAccounts()) accounts.push(account.id);
      await aws.getPrimaryEmail(accounts[1]);

      expect(accounts).toHaveLength(31);
      expect(tokens.scopes).toEqual([`${AUDIENCE}/.default`]);
      const [assume] = fake.of('AssumeRoleWithWebIdentity');
      expect(assume.input).toMatchObject({
        Version: '2011-06-15',
        RoleArn: ROLE_ARN,
        RoleSessionName: 'rootmail-teams',
        WebIdentityToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      });
      expect(assume.accessKeyId).toBeUndefined(); // AssumeRoleWithWebIdentity is not signed
      const issued = fake.sts.issued[0].accessKeyId;
      const signed = fake.calls.filter((c) => c.service !== 'sts');
      expect(signed.length).toBe(3);
      expect(signed.every((c) => c.accessKeyId === issued && c.status === 200)).toBe(true);
      expect(fake.of('AssumeRoleWithWebIdentity')).toHaveLength(1); // cached between calls
    } finally {
      aws.destroy();
    }
  });

  it('fetches new credentials before the old ones expire, sharing one exchange between concurrent callers', async () => {
    const clock = new ManualClock('2026-11-30T10:00:00Z');
    fake.now = () => clock.now();
    const tokens = new TestTokenCredential();
    const provider = webIdentityCredentials({
      roleArn: ROLE_ARN,
      audience: AUDIENCE,
      tokenCredential: tokens,
      region: 'eu-central-1',
      stsEndpoint: fake.baseUrl,
      clock,
    });
    try {
      const [a, b] = await Promise.all([provider(), provider()]);
      expect(a).toBe(b);
      expect(a.expiration?.toISOString()).toBe('2026-11-30T11:00:00.000Z');

      clock.advanceMinutes(49); // 11 minutes left: still used
      expect(await provider()).toBe(a);
      clock.advanceMinutes(2); // 9 minutes left: inside the 10-minute window, so a fresh token and role session
      const fresh = await provider();
      expect(fresh.accessKeyId).not.toBe(a.accessKeyId);
      expect(fresh.expiration?.toISOString()).toBe('2026-11-30T11:51:00.000Z');
      expect(tokens.scopes).toHaveLength(2);
      expect(fake.of('AssumeRoleWithWebIdentity')).toHaveLength(2);

      // A failed refresh while the current credentials still hold keeps them; after expiry it surfaces.
      clock.advanceMinutes(52); // 8 minutes left
      tokens.failWith = new Error('ManagedIdentityCredential: IMDS unreachable');
      expect(await provider()).toBe(fresh);
      clock.advanceMinutes(10);
      await expect(provider()).rejects.toThrow(
        /Could not get an Entra ID token for api:\/\/rootmail-aws\/\.default/,
      );
    } finally {
      provider.destroy();
    }
  });

  it('through the SDK clients too: the SDK asks again 5 minutes before expiry, and gets fresh credentials', async () => {
    // Only Date moves (the SDK's own credential cache reads Date.now()); timers and I/O run for real.
    jest.useFakeTimers({
      now: new Date('2026-11-30T10:00:00Z'),
      doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval'],
    });
    const aws = AwsOrganizationsAccounts.fromConfig(config(), { tokenCredential: new TestTokenCredential() });
    try {
      await aws.describeAccount(fake.managementAccountId);
      jest.setSystemTime(new Date('2026-11-30T10:50:00Z'));
      await aws.describeAccount(fake.managementAccountId);
      jest.setSystemTime(new Date('2026-11-30T10:56:00Z'));
      await aws.describeAccount(fake.managementAccountId);

      const [first, second] = fake.sts.issued.map((c) => c.accessKeyId);
      expect(fake.sts.issued).toHaveLength(2);
      expect(fake.of('DescribeAccount').map((c) => c.accessKeyId)).toEqual([first, first, second]);
      expect(fake.of('DescribeAccount').every((c) => c.status === 200)).toBe(true);
    } finally {
      aws.destroy();
      jest.useRealTimers();
    }
  });

  it('explains a token AWS does not accept, and a trust policy that does not let the identity in', async () => {
    const wrongAudience = AwsOrganizationsAccounts.fromConfig(config(), {
      tokenCredential: new TestTokenCredential({ aud: '00000003-0000-0000-c000-000000000000' }),
    });
    const otherIdentity = AwsOrganizationsAccounts.fromConfig(config(), {
      tokenCredential: new TestTokenCredential({ sub: 'someone-else' }),
    });
    try {
      const first = wrongAudience.describeAccount(fake.managementAccountId);
      await expect(first).rejects.toBeInstanceOf(AwsSignInError);
      await expect(first).rejects.toThrow(
        /sts\.windows\.net\/<tenant id>\/ with the app's application ID URI as audience/,
      );
      await expect(first).rejects.toMatchObject({ awsCode: 'InvalidIdentityTokenException' });

      const second = otherIdentity.describeAccount(fake.managementAccountId);
      await expect(second).rejects.toThrow(
        /trust policy of arn:aws:iam::111111111111:role\/rootmail .*aud and sub/,
      );
      expect(fake.of('DescribeAccount')).toHaveLength(0);
    } finally {
      wrongAudience.destroy();
      otherIdentity.destroy();
    }
  });

  it('uses the AWS SDK environment chain for local runs (AWS_CREDENTIAL_SOURCE=environment)', async () => {
    fake.sts.requireIssuedCredentials = false;
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_SECRET_ACCESS_KEY: 'from-env' });
    const local = loadConfig({ AWS_CREDENTIAL_SOURCE: 'environment', ...fake.env() }).aws!;
    const aws = AwsOrganizationsAccounts.fromConfig(local);
    try {
      expect((await aws.describeAccount(fake.managementAccountId)).isManagementAccount).toBe(true);
      expect(fake.of('DescribeAccount')[0].accessKeyId).toBe('AKIDFROMENV');
      expect(fake.of('AssumeRoleWithWebIdentity')).toHaveLength(0);
    } finally {
      aws.destroy();
      process.env = saved;
    }
  });
});
