import { DeleteLoginProfileCommand, GetLoginProfileCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRootCommand, STSClient } from '@aws-sdk/client-sts';
import { AwsOrganizationsAccounts } from '../../src/adapters/awsAccounts';
import {
  AwsAccessDeniedError,
  AwsThrottledError,
  AwsUnavailableError,
  NotManagementAccountError,
  RootAccessOffError,
} from '../../src/ports/awsAccounts';
import { ManualClock } from '../../src/ports/clock';
import { FakeAws, FakeAwsCall } from '../support/fakeAws';

const staticKeys = async () => ({ accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' });
const rootCalls = (fake: FakeAws) => fake.calls.filter((c) => c.service === 'iam' && c.rootAccountId);

describe('centralized root access: the real STS and IAM clients against the loopback AWS', () => {
  let fake: FakeAws;
  let aws: AwsOrganizationsAccounts;
  let clock: ManualClock;
  let member: string;
  let other: string;

  beforeAll(async () => {
    fake = new FakeAws();
    member = fake.addAccount({ name: 'payments-prod', email: 'aws-1@contoso.com' }).id;
    other = fake.addAccount({ name: 'data-lake', email: 'aws-2@contoso.com' }).id;
    await fake.start();
    clock = new ManualClock(new Date());
    fake.now = () => clock.now();
    aws = new AwsOrganizationsAccounts({
      region: 'eu-west-1',
      credentials: staticKeys,
      endpoints: { sts: fake.baseUrl, iam: fake.baseUrl },
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 50 },
      clock,
    });
  });
  afterAll(async () => {
    aws.destroy();
    await fake.stop();
  });
  beforeEach(() => {
    fake.clearFaults();
    fake.calls.length = 0;
    fake.root.enable();
    fake.callerAccountId = fake.managementAccountId;
    clock.advanceMinutes(20); // every test starts without a live session
  });

  it('reads whether the organisation has the two features on, and why not when AWS will not say', async () => {
    expect(await aws.rootAccessFeatures()).toEqual({
      organizationId: fake.organizationId,
      rootCredentialsManagement: true,
      rootSessions: true,
    });
    fake.root.features.rootSessions = false;
    expect(await aws.rootAccessFeatures()).toMatchObject({
      rootCredentialsManagement: true,
      rootSessions: false,
    });
    fake.root.enable(false);
    expect(await aws.rootAccessFeatures()).toEqual({
      rootCredentialsManagement: false,
      rootSessions: false,
      problem: 'trusted access for IAM is not enabled in AWS Organizations',
    });
    expect(fake.of('ListOrganizationsFeatures').every((c) => c.accessKeyId === 'AKIDLOCALTEST')).toBe(true);

    fake.callerAccountId = '999999999999'; // neither management account nor delegated administrator
    await expect(aws.rootAccessFeatures()).rejects.toBeInstanceOf(NotManagementAccountError);
    fake.delegatedAdministrators.iam.add('999999999999');
    expect((await aws.rootAccessFeatures()).rootSessions).toBe(false);
  });

  it('audits a root user in an IAMAuditRootUserCredentials session of at most 900 s, without UserName', async () => {
    fake.root.givePassword(member, new Date('2021-06-01T08:00:00Z'));
    const used = fake.root.addAccessKey(member, { lastUsedAt: new Date('2026-04-30T10:00:00Z') });
    const unused = fake.root.addAccessKey(member, { active: false });
    const serial = fake.root.addMfaDevice(member);
    const certificate = fake.root.addSigningCertificate(member);

    const found = await aws.auditRootCredentials(member);

    expect(found).toEqual({
      password: true,
      passwordCreatedAt: '2021-06-01T08:00:00.000Z',
      accessKeys: [
        {
          id: used,
          active: true,
          createdAt: '2019-03-01T09:30:00.000Z',
          lastUsedAt: '2026-04-30T10:00:00.000Z',
        },
        { id: unused, active: false, createdAt: '2019-03-01T09:30:00.000Z', lastUsedAt: undefined },
      ],
      mfaDevices: [{ serial, enabledAt: '2022-01-10T12:00:00.000Z' }],
      signingCertificates: [{ id: certificate, active: true, uploadedAt: '2018-11-05T16:00:00.000Z' }],
    });
    const [assume] = fake.of('AssumeRoot');
    expect(assume.input).toMatchObject({
      TargetPrincipal: member,
      'TaskPolicyArn.arn': 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials',
      DurationSeconds: '900',
    });
    expect(assume.accessKeyId).toBe('AKIDLOCALTEST'); // signed with the role's credentials
    const session = fake.root.sessionOf(rootCalls(fake)[0].accessKeyId)!;
    expect(session).toMatchObject({ accountId: member, task: 'IAMAuditRootUserCredentials' });
    expect(
      rootCalls(fake)
        .map((c) => c.operation)
        .sort(),
    ).toEqual([
      'GetAccessKeyLastUsed',
      'GetAccessKeyLastUsed',
      'GetLoginProfile',
      'ListAccessKeys',
      'ListMFADevices',
      'ListSigningCertificates',
    ]);
    expect(rootCalls(fake).every((c) => c.status === 200 && c.input.UserName === undefined)).toBe(true);
    expect(rootCalls(fake).every((c) => c.accessKeyId === session.accessKeyId)).toBe(true);
  });

  it('finds no credentials on a root user Organizations created (GetLoginProfile answers NoSuchEntity)', async () => {
    expect(await aws.auditRootCredentials(other)).toEqual({
      password: false,
      passwordCreatedAt: undefined,
      accessKeys: [],
      mfaDevices: [],
      signingCertificates: [],
    });
    expect(fake.of('GetLoginProfile').map((c) => c.status)).toEqual([404]);
  });

  it('reuses a session per account and task while it lasts, and shares one AssumeRoot between concurrent callers', async () => {
    await Promise.all([aws.auditRootCredentials(other), aws.auditRootCredentials(other)]);
    await aws.auditRootCredentials(other);
    expect(fake.of('AssumeRoot')).toHaveLength(1);
    await aws.auditRootCredentials(member); // another account: its own session
    expect(fake.of('AssumeRoot')).toHaveLength(2);

    clock.advance(13.5 * 60_000); // 90 s left: too little to start a task on
    await aws.auditRootCredentials(other);
    expect(fake.of('AssumeRoot')).toHaveLength(3);
  });

  it('starts a new session once when AWS says the old one has expired', async () => {
    await aws.auditRootCredentials(other);
    const firstKey = rootCalls(fake)[0].accessKeyId;
    fake.calls.length = 0;
    // AWS's clock is ahead of ours: the session we still count as live has ended there.
    const ours = fake.now;
    fake.now = () => new Date(clock.now().getTime() + 16 * 60_000);
    try {
      expect((await aws.auditRootCredentials(other)).password).toBe(false);
    } finally {
      fake.now = ours;
    }
    expect(fake.of('AssumeRoot')).toHaveLength(1);
    const refused = rootCalls(fake).filter((c) => c.accessKeyId === firstKey);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((c) => c.status === 403)).toBe(true);
    expect(
      rootCalls(fake)
        .filter((c) => c.accessKeyId !== firstKey)
        .every((c) => c.status < 500),
    ).toBe(true);
  });

  it('allows password recovery: CreateLoginProfile without password in an IAMCreateRootUserPassword session', async () => {
    fake.root.user(other).password = undefined;
    expect(await aws.allowRootPasswordRecovery(other)).toEqual({ created: true });
    const [create] = fake.of('CreateLoginProfile');
    expect(create).toMatchObject({
      status: 200,
      rootTask: 'IAMCreateRootUserPassword',
      rootAccountId: other,
    });
    expect(create.input.Password).toBeUndefined();
    expect(create.input.UserName).toBeUndefined();
    expect(fake.root.user(other).password).toBeDefined();
    expect(await aws.allowRootPasswordRecovery(other)).toEqual({ created: false }); // there already
  });

  it('removes what it is told to in an IAMDeleteRootUserCredentials session, and reads what is left in it', async () => {
    const victim = fake.addAccount({ name: 'legacy', email: 'aws-9@contoso.com' }).id;
    fake.root.givePassword(victim);
    const key = fake.root.addAccessKey(victim);
    const certificate = fake.root.addSigningCertificate(victim);
    const serial = fake.root.addMfaDevice(victim);

    const left = await aws.removeRootCredentials(victim, {
      password: true,
      accessKeyIds: [key, 'AKIAGONEALREADY00000'],
      signingCertificateIds: [certificate],
      mfaSerialNumbers: [], // MFA devices only when asked
    });

    expect(left).toMatchObject({ password: false, accessKeys: [], signingCertificates: [] });
    expect(left.mfaDevices).toEqual([{ serial, enabledAt: expect.any(String) }]);
    const calls = rootCalls(fake);
    expect(new Set(calls.map((c) => c.rootTask))).toEqual(new Set(['IAMDeleteRootUserCredentials']));
    expect(calls.map((c) => `${c.operation} ${c.status}`)).toEqual(
      expect.arrayContaining([
        'DeleteAccessKey 200',
        'DeleteAccessKey 404', // gone already counts as removed
        'DeleteSigningCertificate 200',
        'DeleteLoginProfile 200',
      ]),
    );
    expect(fake.of('DeactivateMFADevice')).toEqual([]);
    expect(fake.of('AssumeRoot')).toHaveLength(1);

    await aws.removeRootCredentials(victim, {
      password: false,
      accessKeyIds: [],
      signingCertificateIds: [],
      mfaSerialNumbers: [serial],
    });
    expect(fake.root.user(victim).mfaDevices).toEqual([]);
  });

  it('says so when AWS refuses AssumeRoot, when root access is off, and when IAM keeps throttling', async () => {
    fake.fail('AssumeRoot', 'access-denied');
    const refused = (await aws.auditRootCredentials(member).catch((e: Error) => e)) as Error;
    expect(refused).toBeInstanceOf(AwsAccessDeniedError);
    expect(refused.message).toMatch(
      /may not call sts:AssumeRoot for account \d{12} \(task policy IAMAuditRootUserCredentials\).*infra\/aws\/rootmail-role\.yaml/,
    );

    fake.root.enable(false);
    const off = (await aws.auditRootCredentials(member).catch((e: Error) => e)) as Error;
    expect(off).toBeInstanceOf(RootAccessOffError);
    expect(off.message).toMatch(/aws iam enable-organizations-root-credentials-management/);
    fake.root.enable();

    fake.fail('CreateLoginProfile', 'internal-error', 5);
    await expect(aws.allowRootPasswordRecovery(member)).rejects.toBeInstanceOf(AwsUnavailableError);

    fake.fail('ListAccessKeys', 'throttled', 5);
    const throttled = await aws.auditRootCredentials(member).catch((e: Error) => e);
    expect(throttled).toBeInstanceOf(AwsThrottledError);
    expect(fake.of('ListAccessKeys').map((c) => c.status)).toEqual([400, 400, 400]);
  });
});

describe('the loopback AWS holds each root session to its task policy', () => {
  let fake: FakeAws;
  let sts: STSClient;
  const iamWith = (credentials: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string }) =>
    new IAMClient({
      region: 'us-east-1',
      endpoint: fake.baseUrl,
      credentials: {
        accessKeyId: credentials.AccessKeyId!,
        secretAccessKey: credentials.SecretAccessKey!,
        sessionToken: credentials.SessionToken,
      },
    });
  const session = async (accountId: string, task: string, DurationSeconds = 900) =>
    (
      await sts.send(
        new AssumeRootCommand({
          TargetPrincipal: accountId,
          TaskPolicyArn: { arn: `arn:aws:iam::aws:policy/root-task/${task}` },
          DurationSeconds,
        }),
      )
    ).Credentials!;
  const refusal = (err: unknown) => (err as { name: string }).name;

  beforeAll(async () => {
    fake = new FakeAws();
    fake.addAccount({ id: '222222222222', email: 'aws-1@contoso.com' });
    fake.root.enable();
    fake.root.givePassword('222222222222');
    await fake.start();
    sts = new STSClient({ region: 'us-east-1', endpoint: fake.baseUrl, credentials: staticKeys });
  });
  afterAll(async () => {
    sts.destroy();
    await fake.stop();
  });

  it('refuses a write the audit task does not allow, a UserName, and a session longer than 900 s', async () => {
    const audit = iamWith(await session('222222222222', 'IAMAuditRootUserCredentials'));
    await expect(audit.send(new DeleteLoginProfileCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringMatching(/not authorized to perform: iam:DeleteLoginProfile .*no session policy/),
    });
    await expect(audit.send(new GetLoginProfileCommand({ UserName: 'alice' }))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    expect((await audit.send(new GetLoginProfileCommand({}))).LoginProfile?.CreateDate).toBeInstanceOf(Date);
    await expect(session('222222222222', 'IAMAuditRootUserCredentials', 3600)).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(session(fake.managementAccountId, 'IAMAuditRootUserCredentials')).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    audit.destroy();
  });

  it('lets the delete task delete, and refuses the password task anything but creating and reading', async () => {
    fake.calls.length = 0;
    const create = iamWith(await session('222222222222', 'IAMCreateRootUserPassword'));
    expect(await create.send(new DeleteLoginProfileCommand({})).catch(refusal)).toBe('AccessDenied');
    const remove = iamWith(await session('222222222222', 'IAMDeleteRootUserCredentials'));
    await remove.send(new DeleteLoginProfileCommand({}));
    expect(fake.root.user('222222222222').password).toBeUndefined();
    const denied: FakeAwsCall[] = fake.calls.filter((c) => c.status === 403);
    expect(denied.map((c) => c.rootTask)).toEqual(['IAMCreateRootUserPassword']);
    create.destroy();
    remove.destroy();
  });
});
