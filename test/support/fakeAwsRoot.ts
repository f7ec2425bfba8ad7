import { randomBytes } from 'node:crypto';
import type { FakeAws, FakeAwsCall } from './fakeAws';

/**
 * Centralized root access for the loopback AWS (test/support/fakeAws.ts): STS `AssumeRoot` and the IAM query
 * protocol (form-encoded `Action=…&Version=2010-05-08`, XML answers, IAM's error shapes), with the root user of
 * each member account as state. A root session may do exactly what its AWS-managed task policy allows — any
 * other call, a call that names a UserName, or a session past its end is refused as AWS refuses it — so a test
 * fails when the code uses the wrong task. `features` switches the organisation's root access on and off.
 */

/** The AWS-managed task policies (arn:aws:iam::aws:policy/root-task/<name>) and what each allows, per AWS's docs. */
const AUDIT_READS = [
  'GetLoginProfile',
  'ListAccessKeys',
  'ListMFADevices',
  'ListSigningCertificates',
  'GetUser',
  'GetAccessKeyLastUsed',
];
export const TASK_POLICIES: Record<string, readonly string[]> = {
  IAMAuditRootUserCredentials: [...AUDIT_READS, 'GetAccountSummary'],
  IAMCreateRootUserPassword: ['CreateLoginProfile', 'GetLoginProfile'],
  IAMDeleteRootUserCredentials: [
    'DeleteLoginProfile',
    'DeleteAccessKey',
    'DeactivateMFADevice',
    'DeleteSigningCertificate',
    ...AUDIT_READS,
  ],
  // Real task policies RootMail never asks for: the role's policy must not let it (infra/aws/).
  S3UnlockBucketPolicy: [],
  SQSUnlockQueuePolicy: [],
};
const TASK_ARN = /^arn:aws:iam::aws:policy\/root-task\/(\w+)$/;
const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export interface FakeRootUser {
  password?: { createdAt: Date };
  accessKeys: { id: string; active: boolean; createdAt: Date; lastUsedAt?: Date }[];
  mfaDevices: { serial: string; enabledAt: Date }[];
  signingCertificates: { id: string; active: boolean; uploadedAt: Date }[];
}

/** What AWS mailed after "Forgot password?" on the root sign-in page of a member account. */
export interface FakeResetMail {
  accountId: string;
  /** The root address, where AWS sends it. */
  to: string;
  /** The reset link, when the root user has a login profile; none when it has no root credentials. */
  link?: string;
  sentAt: Date;
}

export interface FakeRootSession {
  accessKeyId: string;
  accountId: string;
  task: string;
  expiration: Date;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export class FakeRootAccess {
  /** The organisation's settings: trusted access for IAM and the two features (all off, as AWS starts). */
  readonly features = { trustedAccessForIam: false, rootCredentialsManagement: false, rootSessions: false };
  readonly sessions: FakeRootSession[] = [];
  /** Every mail "Forgot password?" made AWS send, links included (tests look for them where they must not be). */
  readonly resetMails: FakeResetMail[] = [];
  private readonly users = new Map<string, FakeRootUser>();
  private nextId = 1;

  constructor(private readonly aws: FakeAws) {}

  /** Turns centralized root access on (or off): what the three commands in docs/aws-access.md do. */
  enable(on = true): void {
    this.features.trustedAccessForIam = on;
    this.features.rootCredentialsManagement = on;
    this.features.rootSessions = on;
  }

  /** The root user of a member account (created empty: no password, no key, as Organizations makes them). */
  user(accountId: string): FakeRootUser {
    let user = this.users.get(accountId);
    if (!user) {
      user = { accessKeys: [], mfaDevices: [], signingCertificates: [] };
      this.users.set(accountId, user);
    }
    return user;
  }

  givePassword(accountId: string, createdAt = new Date('2021-06-01T08:00:00Z')): void {
    this.user(accountId).password = { createdAt };
  }

  addAccessKey(accountId: string, fields: { active?: boolean; lastUsedAt?: Date } = {}): string {
    const id = `AKIA${accountId.slice(-4)}FAKE${String(this.nextId++).padStart(8, '0')}`;
    this.user(accountId).accessKeys.push({
      id,
      active: fields.active ?? true,
      createdAt: new Date('2019-03-01T09:30:00Z'),
      lastUsedAt: fields.lastUsedAt,
    });
    return id;
  }

  addMfaDevice(accountId: string): string {
    const serial = `arn:aws:iam::${accountId}:mfa/root-account-mfa-device`;
    this.user(accountId).mfaDevices.push({ serial, enabledAt: new Date('2022-01-10T12:00:00Z') });
    return serial;
  }

  addSigningCertificate(accountId: string): string {
    const id = `CERT${String(this.nextId++).padStart(20, '0')}`;
    this.user(accountId).signingCertificates.push({
      id,
      active: true,
      uploadedAt: new Date('2018-11-05T16:00:00Z'),
    });
    return id;
  }

  /**
   * "Forgot password?" on the root sign-in page for the account's root address, as a person does it: AWS mails a
   * reset link when the root user has a login profile (CreateLoginProfile allowed password recovery), else a
   * notice that the account has no root credentials. Either way the mail goes to the root address.
   */
  forgotPassword(accountId: string): FakeResetMail {
    const account = this.aws.account(accountId);
    if (!account) throw new Error(`fake AWS: no account ${accountId}`);
    const token = randomBytes(36).toString('base64url');
    const mail: FakeResetMail = {
      accountId,
      to: account.email,
      link: this.user(accountId).password
        ? `https://signin.aws.amazon.com/resetpassword?type=RootUser&token=${token}&redirect_uri=https%3A%2F%2Fconsole.aws.amazon.com%2F`
        : undefined,
      sentAt: this.aws.now(),
    };
    this.resetMails.push(mail);
    return mail;
  }

  sessionOf(accessKeyId: string | undefined): FakeRootSession | undefined {
    return this.sessions.find((s) => s.accessKeyId === accessKeyId);
  }

  // ---- STS AssumeRoot (signed with the role's credentials) ----

  assumeRoot(input: Record<string, string>, call: FakeAwsCall): Reply {
    const caller = this.aws.callerAccountId;
    if (caller !== this.aws.managementAccountId && !this.aws.delegatedAdministrators.iam.has(caller))
      return queryError(
        STS_NS,
        403,
        'AccessDenied',
        'The caller is not the management account or a delegated administrator for IAM.',
      );
    const task = TASK_ARN.exec(input['TaskPolicyArn.arn'] ?? '')?.[1];
    if (!task || !(task in TASK_POLICIES))
      return queryError(
        STS_NS,
        400,
        'ValidationError',
        `The task policy ARN ${input['TaskPolicyArn.arn']} is not a root task policy.`,
      );
    const duration = Number(input.DurationSeconds ?? 900);
    if (!Number.isInteger(duration) || duration > 900 || duration < 0)
      return queryError(
        STS_NS,
        400,
        'ValidationError',
        `1 validation error detected: Value '${input.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 900`,
      );
    if (!this.features.rootSessions || !this.features.rootCredentialsManagement)
      return queryError(
        STS_NS,
        403,
        'AccessDenied',
        'Centralized root access is not enabled for this organization.',
      );
    const target = /^(?:arn:aws:iam::)?(\d{12})(?::root)?$/.exec(input.TargetPrincipal ?? '')?.[1];
    const account = target ? this.aws.account(target) : undefined;
    if (!account || target === this.aws.managementAccountId || account.state !== 'ACTIVE')
      return queryError(
        STS_NS,
        403,
        'AccessDenied',
        `The target principal ${input.TargetPrincipal} is not an active member account of the organization.`,
      );
    call.rootTask = task;
    const session: FakeRootSession = {
      accessKeyId: `ASIAROOT${String(this.sessions.length + 1).padStart(12, '0')}`,
      accountId: account.id,
      task,
      expiration: new Date(this.aws.now().getTime() + duration * 1000),
    };
    this.sessions.push(session);
    return xmlOk(
      STS_NS,
      'AssumeRoot',
      `<Credentials>
      <AccessKeyId>${session.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${randomBytes(30).toString('base64')}</SecretAccessKey>
      <SessionToken>${randomBytes(24).toString('base64')}</SessionToken>
      <Expiration>${session.expiration.toISOString()}</Expiration>
    </Credentials>
    <SourceIdentity></SourceIdentity>`,
    );
  }

  // ---- IAM ----

  iam(operation: string, input: Record<string, string>, call: FakeAwsCall): Reply {
    if (operation === 'ListOrganizationsFeatures') return this.listFeatures();
    const session = this.sessionOf(call.accessKeyId);
    const caller = session
      ? `arn:aws:sts::${session.accountId}:root`
      : `arn:aws:sts::${this.aws.callerAccountId}:assumed-role/rootmail/rootmail-teams`;
    if (!session)
      // The role acting on itself: nothing RootMail should ever do.
      return queryError(
        IAM_NS,
        403,
        'AccessDenied',
        `User: ${caller} is not authorized to perform: iam:${operation} because no identity-based policy allows the iam:${operation} action`,
      );
    call.rootTask = session.task;
    call.rootAccountId = session.accountId;
    if (session.expiration.getTime() <= this.aws.now().getTime())
      return queryError(IAM_NS, 403, 'ExpiredToken', 'The security token included in the request is expired');
    const resource = input.UserName
      ? `arn:aws:iam::${session.accountId}:user/${input.UserName}`
      : `arn:aws:iam::${session.accountId}:root`;
    if (input.UserName || !TASK_POLICIES[session.task].includes(operation))
      return queryError(
        IAM_NS,
        403,
        'AccessDenied',
        `User: ${caller} is not authorized to perform: iam:${operation} on resource: ${resource} because no session policy allows the iam:${operation} action`,
      );
    return this.onRootUser(operation, input, this.user(session.accountId));
  }

  private listFeatures(): Reply {
    const caller = this.aws.callerAccountId;
    if (caller !== this.aws.managementAccountId && !this.aws.delegatedAdministrators.iam.has(caller))
      return queryError(
        IAM_NS,
        400,
        'AccountNotManagementOrDelegatedAdministratorException',
        'The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.',
      );
    if (!this.features.trustedAccessForIam)
      return queryError(
        IAM_NS,
        400,
        'ServiceAccessNotEnabledException',
        'The request was rejected because trusted access is not enabled for IAM in AWS Organizations.',
      );
    const enabled = [
      this.features.rootCredentialsManagement && 'RootCredentialsManagement',
      this.features.rootSessions && 'RootSessions',
    ].filter(Boolean);
    return xmlOk(
      IAM_NS,
      'ListOrganizationsFeatures',
      `<OrganizationId>${this.aws.organizationId}</OrganizationId>
    <EnabledFeatures>${enabled.map((f) => `<member>${f}</member>`).join('')}</EnabledFeatures>`,
    );
  }

  private onRootUser(operation: string, input: Record<string, string>, user: FakeRootUser): Reply {
    const noSuch = (what: string) => queryError(IAM_NS, 404, 'NoSuchEntity', `The ${what} cannot be found.`);
    const date = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const list = (items: string[]) => items.map((i) => `<member>${i}</member>`).join('');
    switch (operation) {
      case 'GetLoginProfile':
        if (!user.password) return noSuch('Login Profile for User root');
        return xmlOk(
          IAM_NS,
          operation,
          `<LoginProfile><CreateDate>${date(user.password.createdAt)}</CreateDate><PasswordResetRequired>false</PasswordResetRequired></LoginProfile>`,
        );
      case 'CreateLoginProfile':
        if (input.Password)
          return queryError(
            IAM_NS,
            400,
            'InvalidInput',
            'A password cannot be set for the root user; create the login profile without one and use password recovery.',
          );
        if (user.password)
          return queryError(
            IAM_NS,
            409,
            'EntityAlreadyExists',
            'Login Profile for user root already exists.',
          );
        user.password = { createdAt: this.aws.now() };
        return xmlOk(
          IAM_NS,
          operation,
          `<LoginProfile><CreateDate>${date(user.password.createdAt)}</CreateDate><PasswordResetRequired>false</PasswordResetRequired></LoginProfile>`,
        );
      case 'DeleteLoginProfile':
        if (!user.password) return noSuch('Login Profile for User root');
        user.password = undefined;
        return xmlOk(IAM_NS, operation);
      case 'ListAccessKeys':
        return xmlOk(
          IAM_NS,
          operation,
          `<AccessKeyMetadata>${list(user.accessKeys.map((k) => `<AccessKeyId>${k.id}</AccessKeyId><Status>${k.active ? 'Active' : 'Inactive'}</Status><CreateDate>${date(k.createdAt)}</CreateDate>`))}</AccessKeyMetadata><IsTruncated>false</IsTruncated>`,
        );
      case 'GetAccessKeyLastUsed': {
        const key = user.accessKeys.find((k) => k.id === input.AccessKeyId);
        if (!key) return noSuch(`access key ${input.AccessKeyId}`);
        return xmlOk(
          IAM_NS,
          operation,
          `<AccessKeyLastUsed>${key.lastUsedAt ? `<LastUsedDate>${date(key.lastUsedAt)}</LastUsedDate><ServiceName>s3</ServiceName><Region>us-east-1</Region>` : '<ServiceName>N/A</ServiceName><Region>N/A</Region>'}</AccessKeyLastUsed>`,
        );
      }
      case 'DeleteAccessKey': {
        const at = user.accessKeys.findIndex((k) => k.id === input.AccessKeyId);
        if (at < 0) return noSuch(`Access Key with id ${input.AccessKeyId}`);
        user.accessKeys.splice(at, 1);
        return xmlOk(IAM_NS, operation);
      }
      case 'ListMFADevices':
        return xmlOk(
          IAM_NS,
          operation,
          `<MFADevices>${list(user.mfaDevices.map((d) => `<SerialNumber>${d.serial}</SerialNumber><EnableDate>${date(d.enabledAt)}</EnableDate>`))}</MFADevices><IsTruncated>false</IsTruncated>`,
        );
      case 'DeactivateMFADevice': {
        const at = user.mfaDevices.findIndex((d) => d.serial === input.SerialNumber);
        if (at < 0) return noSuch(`MFA device ${input.SerialNumber}`);
        user.mfaDevices.splice(at, 1);
        return xmlOk(IAM_NS, operation);
      }
      case 'ListSigningCertificates':
        return xmlOk(
          IAM_NS,
          operation,
          `<Certificates>${list(user.signingCertificates.map((c) => `<CertificateId>${c.id}</CertificateId><CertificateBody>-----BEGIN CERTIFICATE-----</CertificateBody><Status>${c.active ? 'Active' : 'Inactive'}</Status><UploadDate>${date(c.uploadedAt)}</UploadDate>`))}</Certificates><IsTruncated>false</IsTruncated>`,
        );
      case 'DeleteSigningCertificate': {
        const at = user.signingCertificates.findIndex((c) => c.id === input.CertificateId);
        if (at < 0) return noSuch(`Signing Certificate with id ${input.CertificateId}`);
        user.signingCertificates.splice(at, 1);
        return xmlOk(IAM_NS, operation);
      }
      default:
        return queryError(IAM_NS, 400, 'InvalidAction', `fake AWS: iam:${operation} is not modelled`);
    }
  }
}

// ---- the query protocol's XML ----

function xmlOk(namespace: string, operation: string, result?: string): Reply {
  const requestId = randomBytes(8).toString('hex');
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: `<${operation}Response xmlns="${namespace}">${result === undefined ? '' : `\n  <${operation}Result>${result}</${operation}Result>`}
  <ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>
</${operation}Response>`,
  };
}

/** An error of the query protocol (STS, IAM): Type Sender/Receiver, Code, Message. */
export function queryError(namespace: string, status: number, code: string, message: string): Reply {
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse xmlns="${namespace}">
  <Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${xml(message)}</Message></Error>
  <RequestId>${randomBytes(8).toString('hex')}</RequestId>
</ErrorResponse>`,
  };
}

export const QUERY_NAMESPACES = { iam: IAM_NS, sts: STS_NS };

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
