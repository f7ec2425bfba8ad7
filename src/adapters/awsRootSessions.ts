import http from 'node:http';
import https from 'node:https';
import {
  CreateLoginProfileCommand,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteSigningCertificateCommand,
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListOrganizationsFeaturesCommand,
  ListSigningCertificatesCommand,
} from '@aws-sdk/client-iam';
import { AssumeRootCommand, STSClient } from '@aws-sdk/client-sts';
import type { RetryStrategyV2 } from '@smithy/types';
import type { RootAccessFeatures, RootCredentials, RootTask } from '../domain/rootPosture';
import { NotManagementAccountError, RootCredentialRemoval, RootSessionOperation } from '../ports/awsAccounts';
import type { Clock } from '../ports/clock';
import type { AwsCredentialProvider } from './awsCredentials';
import { productError } from './awsErrorMapping';

export interface RootSessionsOptions {
  region: string;
  /** The role's credentials (AssumeRoot and ListOrganizationsFeatures); undefined = the SDK's chain. */
  credentials?: AwsCredentialProvider;
  /** AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL_IAM: loopback fakes in tests. */
  endpoints: { sts?: string; iam?: string };
  /** A fresh retry strategy for each client (each keeps its own retry budget). */
  retryStrategy: () => RetryStrategyV2;
  clock: Clock;
}

/** AWS's maximum for a root session; each is used for one task in one account and reused while it lasts. */
const SESSION_SECONDS = 900;
/** A session with less left than this is not started on: a task's calls (with retries) must fit. */
const REUSE_MARGIN_MS = 2 * 60_000;
const SWEEP_EVERY_MS = 60_000;
const TASK_POLICY_ARN = (task: RootTask) => `arn:aws:iam::aws:policy/root-task/${task}`;

/** A root session's credentials: all that is kept between tasks (an IAM client is made per task, then dropped). */
interface RootSession {
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };
  expiresAt: number;
}

/** A session being started (shared by concurrent callers) or started, with its end once known. */
interface SessionEntry {
  started: Promise<RootSession>;
  expiresAt?: number;
}

/** A session's credentials no longer work: start a new one and try the task once more. */
const SESSION_ENDED = new Set(['ExpiredToken', 'InvalidClientTokenId']);

/**
 * Centralized root access through the AWS SDK: sts:AssumeRoot for one member account and one task policy
 * gives a short session; the IAM calls of that task run in it, without UserName (they act on the root user).
 * A session is reused for the same account and task while it has time left, so an audit followed by a
 * removal minutes later asks STS once per task. The IAM clients made for tasks share one connection pool.
 */
export class AwsRootSessions {
  private readonly sts: STSClient;
  private readonly iam: IAMClient;
  private readonly sessions = new Map<string, SessionEntry>();
  private readonly agents = {
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 50 }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 50 }),
  };
  private lastSweep = 0;

  constructor(private readonly options: RootSessionsOptions) {
    const role = {
      region: options.region,
      ...(options.credentials ? { credentials: options.credentials } : {}),
    };
    // AssumeRoot needs a Regional STS endpoint: the SDK's default for AWS_REGION is one.
    this.sts = new STSClient({
      ...role,
      retryStrategy: options.retryStrategy(),
      ...(options.endpoints.sts ? { endpoint: options.endpoints.sts } : {}),
    });
    this.iam = this.iamClient(role);
  }

  async features(): Promise<RootAccessFeatures> {
    try {
      const out = await this.iam.send(new ListOrganizationsFeaturesCommand({}));
      const enabled = new Set(out.EnabledFeatures ?? []);
      return {
        organizationId: out.OrganizationId,
        rootCredentialsManagement: enabled.has('RootCredentialsManagement'),
        rootSessions: enabled.has('RootSessions'),
      };
    } catch (err) {
      const code = codeOf(err);
      const off = (problem: string): RootAccessFeatures => ({
        rootCredentialsManagement: false,
        rootSessions: false,
        problem,
      });
      if (code === 'ServiceAccessNotEnabled')
        return off('trusted access for IAM is not enabled in AWS Organizations');
      if (code === 'OrganizationNotInAllFeaturesMode')
        return off('the organisation does not have all features enabled');
      if (code === 'OrganizationNotFound' || code === 'AccountNotManagementOrDelegatedAdministrator')
        throw new NotManagementAccountError(
          `The AWS role's account is neither the organisation's management account nor the delegated administrator for IAM, so it cannot use centralized root access (${code}). Deploy the role there (docs/aws-access.md).`,
          'ListOrganizationsFeatures',
          code,
        );
      throw productError(err, 'ListOrganizationsFeatures');
    }
  }

  /** IAMAuditRootUserCredentials: every credential of the root user. */
  audit(accountId: string): Promise<RootCredentials> {
    return this.inSession(accountId, 'IAMAuditRootUserCredentials', (iam) => this.read(iam, accountId));
  }

  /** IAMCreateRootUserPassword: CreateLoginProfile with neither UserName nor Password. */
  allowPasswordRecovery(accountId: string): Promise<{ created: boolean }> {
    const task: RootTask = 'IAMCreateRootUserPassword';
    return this.inSession(accountId, task, async (iam) => {
      const created = await this.call(
        'CreateLoginProfile',
        accountId,
        task,
        () => iam.send(new CreateLoginProfileCommand({})),
        { EntityAlreadyExists: 'already there' },
      );
      return { created: created !== 'already there' };
    });
  }

  /** IAMDeleteRootUserCredentials: deletes what is named (gone already is fine), then reads what is left. */
  remove(accountId: string, removal: RootCredentialRemoval): Promise<RootCredentials> {
    return this.inSession(accountId, 'IAMDeleteRootUserCredentials', async (iam) => {
      const gone = (op: RootSessionOperation, call: () => Promise<unknown>) =>
        this.call(op, accountId, 'IAMDeleteRootUserCredentials', call, { NoSuchEntity: 'gone' });
      for (const id of removal.accessKeyIds)
        await gone('DeleteAccessKey', () => iam.send(new DeleteAccessKeyCommand({ AccessKeyId: id })));
      for (const id of removal.signingCertificateIds)
        await gone('DeleteSigningCertificate', () =>
          iam.send(new DeleteSigningCertificateCommand({ CertificateId: id })),
        );
      for (const serial of removal.mfaSerialNumbers)
        await gone('DeactivateMFADevice', () =>
          iam.send(new DeactivateMFADeviceCommand({ SerialNumber: serial })),
        );
      if (removal.password)
        await gone('DeleteLoginProfile', () => iam.send(new DeleteLoginProfileCommand({})));
      return this.read(iam, accountId, 'IAMDeleteRootUserCredentials');
    });
  }

  destroy(): void {
    this.sts.destroy();
    this.iam.destroy();
    this.agents.httpAgent.destroy(); // the sessions' clients share them
    this.agents.httpsAgent.destroy();
  }

  // ---- reading a root user ----

  private async read(
    iam: IAMClient,
    accountId: string,
    task: RootTask = 'IAMAuditRootUserCredentials',
  ): Promise<RootCredentials> {
    const call = <T>(op: RootSessionOperation, run: () => Promise<T>) => this.call(op, accountId, task, run);
    const [profile, keys, mfa, certificates] = await Promise.all([
      this.call('GetLoginProfile', accountId, task, () => iam.send(new GetLoginProfileCommand({})), {
        NoSuchEntity: undefined,
      }),
      call('ListAccessKeys', () =>
        all((Marker) => iam.send(new ListAccessKeysCommand({ Marker })), 'AccessKeyMetadata'),
      ),
      call('ListMFADevices', () =>
        all((Marker) => iam.send(new ListMFADevicesCommand({ Marker })), 'MFADevices'),
      ),
      call('ListSigningCertificates', () =>
        all((Marker) => iam.send(new ListSigningCertificatesCommand({ Marker })), 'Certificates'),
      ),
    ]);
    const accessKeys = await Promise.all(
      keys.map(async (k) => {
        const used = await call('GetAccessKeyLastUsed', () =>
          iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k.AccessKeyId })),
        );
        return {
          id: k.AccessKeyId ?? '',
          active: k.Status === 'Active',
          createdAt: k.CreateDate?.toISOString(),
          lastUsedAt: used.AccessKeyLastUsed?.LastUsedDate?.toISOString(),
        };
      }),
    );
    return {
      password: !!profile?.LoginProfile,
      passwordCreatedAt: profile?.LoginProfile?.CreateDate?.toISOString(),
      accessKeys,
      mfaDevices: mfa.map((d) => ({ serial: d.SerialNumber ?? '', enabledAt: d.EnableDate?.toISOString() })),
      signingCertificates: certificates.map((c) => ({
        id: c.CertificateId ?? '',
        active: c.Status === 'Active',
        uploadedAt: c.UploadDate?.toISOString(),
      })),
    };
  }

  /**
   * One IAM call in a root session. `answers` turns an expected refusal into a value: NoSuchEntity (no
   * password, a key deleted already), EntityAlreadyExists (a password there already).
   */
  private async call<T, A = never>(
    operation: RootSessionOperation,
    accountId: string,
    task: RootTask,
    run: () => Promise<T>,
    answers: Partial<Record<'NoSuchEntity' | 'EntityAlreadyExists', A>> = {},
  ): Promise<T | A> {
    try {
      return await run();
    } catch (err) {
      const code = codeOf(err) ?? '';
      if (code in answers) return answers[code as keyof typeof answers] as A;
      if (SESSION_ENDED.has(codeOf(err) ?? '')) throw err; // inSession starts a new session
      throw productError(err, operation, accountId, task);
    }
  }

  // ---- sessions ----

  /** Runs `work` in a session for this account and task; once more in a new one if the session ended. */
  private async inSession<T>(
    accountId: string,
    task: RootTask,
    work: (iam: IAMClient) => Promise<T>,
  ): Promise<T> {
    const key = `${accountId}/${task}`;
    for (let attempt = 1; ; attempt++) {
      const entry = this.session(key, accountId, task);
      const session = await entry.started;
      try {
        // A client per task, not per session: thousands of cached sessions would hold thousands of clients.
        return await work(this.iamClient({ region: this.options.region, credentials: session.credentials }));
      } catch (err) {
        if (!SESSION_ENDED.has(codeOf(err) ?? '')) throw err;
        if (this.sessions.get(key) === entry) this.sessions.delete(key);
        if (attempt >= 2) throw productError(err, 'AssumeRoot', accountId, task);
      }
    }
  }

  /** The cached session while it has REUSE_MARGIN_MS left, else a new one (concurrent callers share it). */
  private session(key: string, accountId: string, task: RootTask): SessionEntry {
    const now = this.options.clock.now().getTime();
    this.sweep(now);
    const cached = this.sessions.get(key);
    if (cached && (cached.expiresAt === undefined || cached.expiresAt - now > REUSE_MARGIN_MS)) return cached;
    const entry: SessionEntry = { started: this.assumeRoot(accountId, task) };
    this.sessions.set(key, entry);
    entry.started.then(
      (s) => (entry.expiresAt = s.expiresAt),
      () => this.sessions.get(key) === entry && this.sessions.delete(key),
    );
    return entry;
  }

  private async assumeRoot(accountId: string, task: RootTask): Promise<RootSession> {
    try {
      const out = await this.sts.send(
        new AssumeRootCommand({
          TargetPrincipal: accountId,
          TaskPolicyArn: { arn: TASK_POLICY_ARN(task) },
          DurationSeconds: SESSION_SECONDS,
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRoot answered without credentials');
      const expiresAt =
        c.Expiration?.getTime() ?? this.options.clock.now().getTime() + SESSION_SECONDS * 1000;
      return {
        credentials: {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
          expiration: c.Expiration,
        },
        expiresAt,
      };
    } catch (err) {
      throw productError(err, 'AssumeRoot', accountId, task);
    }
  }

  private iamClient(config: { region: string; credentials?: unknown }): IAMClient {
    return new IAMClient({
      ...(config as { region: string }),
      retryStrategy: this.options.retryStrategy(),
      requestHandler: this.agents,
      ...(this.options.endpoints.iam ? { endpoint: this.options.endpoints.iam } : {}),
    });
  }

  /** Forgets sessions past their end, at most once a minute (thousands of accounts are audited a day). */
  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [key, entry] of this.sessions)
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.sessions.delete(key);
  }
}

/** The error's code as AWS names it on the wire (the SDK names modelled IAM errors `<code>Exception`). */
function codeOf(err: unknown): string | undefined {
  return (err as { name?: string } | undefined)?.name?.replace(/Exception$/, '');
}

/** Every page of an IAM list (root users have few of each; Marker paging all the same). */
async function all<K extends string, T>(
  page: (
    marker: string | undefined,
  ) => Promise<{ [key in K]?: T[] } & { IsTruncated?: boolean; Marker?: string }>,
  key: K,
): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  do {
    const out = await page(marker);
    items.push(...(out[key] ?? []));
    marker = out.IsTruncated ? out.Marker : undefined;
  } while (marker);
  return items;
}
