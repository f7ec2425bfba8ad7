import {
  AcceptPrimaryEmailUpdateCommand,
  AccountClient,
  GetPrimaryEmailCommand,
  GetPrimaryEmailUpdateStatusCommand,
  StartPrimaryEmailUpdateCommand,
} from '@aws-sdk/client-account';
import {
  Account as OrganizationsAccount,
  DescribeAccountCommand,
  OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import type { TokenCredential } from '@azure/identity';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { AppConfig } from '../config';
import { AwsAccount, PrimaryEmailUpdateStatus, toAwsAccountState } from '../domain/awsAccounts';
import type { RootAccessFeatures, RootCredentials } from '../domain/rootPosture';
import type { AwsAccountsPort, RootCredentialRemoval } from '../ports/awsAccounts';
import { Clock, systemClock } from '../ports/clock';
import { AwsCredentialProvider, awsCredentialsFromConfig } from './awsCredentials';
import { productError } from './awsErrorMapping';
import { AwsRootSessions } from './awsRootSessions';

/** Exponential backoff with jitter, for throttling (TooManyRequestsException) and AWS-side failures. */
export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** Delay before the first retry; doubled for each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Organizations allows only a few ListAccounts calls per second per organisation; wait like the SDK does. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 20_000 };

export interface AwsAccountsOptions {
  /** AWS_REGION; the SDK sends Organizations and Account calls to their global endpoint in us-east-1. */
  region: string;
  /** Undefined = the AWS SDK's standard chain (environment, profile, SSO); `destroy` is called on destroy(). */
  credentials?: AwsCredentialProvider & { destroy?(): void };
  /** Loopback fakes in tests (AWS_ENDPOINT_URL_<SERVICE>). */
  endpoints?: { organizations?: string; account?: string; sts?: string; iam?: string };
  retry?: Partial<RetryPolicy>;
  /** When root sessions end (their expiry is AWS's, compared with this clock). */
  clock?: Clock;
}

/** ListAccounts answers at most 20 accounts a page. */
const PAGE_SIZE = 20;

/**
 * The AWS port over the AWS SDK: Organizations (ListAccounts, DescribeAccount), Account Management (the
 * primary e-mail calls) and centralized root access (STS AssumeRoot and IAM, in src/adapters/awsRootSessions.ts).
 * Throttling is retried by the SDK's retry strategy with our backoff; whatever still fails becomes one of the
 * port's errors.
 */
export class AwsOrganizationsAccounts implements AwsAccountsPort {
  private readonly organizations: OrganizationsClient;
  private readonly account: AccountClient;
  private readonly root: AwsRootSessions;

  constructor(private readonly options: AwsAccountsOptions) {
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    // One strategy per client: each service throttles on its own, so each keeps its own retry budget.
    const retryStrategy = () =>
      new ConfiguredRetryStrategy(retry.maxAttempts, (attempt: number) => backoff(retry, attempt));
    const common = () => ({
      region: options.region,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      retryStrategy: retryStrategy(),
    });
    this.organizations = new OrganizationsClient({
      ...common(),
      ...(options.endpoints?.organizations ? { endpoint: options.endpoints.organizations } : {}),
    });
    this.account = new AccountClient({
      ...common(),
      ...(options.endpoints?.account ? { endpoint: options.endpoints.account } : {}),
    });
    this.root = new AwsRootSessions({
      region: options.region,
      credentials: options.credentials,
      endpoints: { sts: options.endpoints?.sts, iam: options.endpoints?.iam },
      retryStrategy,
      clock: options.clock ?? systemClock,
    });
  }

  /** From AppConfig.aws: keyless web identity with the managed identity (or `tokenCredential`), or local env. */
  static fromConfig(
    aws: NonNullable<AppConfig['aws']>,
    deps: { tokenCredential?: TokenCredential; clock?: Clock; retry?: Partial<RetryPolicy> } = {},
  ): AwsOrganizationsAccounts {
    return new AwsOrganizationsAccounts({
      region: aws.region,
      credentials: awsCredentialsFromConfig(aws, deps),
      endpoints: aws.endpoints,
      retry: deps.retry,
      clock: deps.clock,
    });
  }

  async *listAccounts(): AsyncIterable<AwsAccount> {
    try {
      for await (const page of paginateListAccounts(
        { client: this.organizations, pageSize: PAGE_SIZE },
        {},
      )) {
        for (const account of page.Accounts ?? []) yield toAccount(account);
      }
    } catch (err) {
      throw productError(err, 'ListAccounts');
    }
  }

  async describeAccount(accountId: string): Promise<AwsAccount> {
    try {
      const out = await this.organizations.send(new DescribeAccountCommand({ AccountId: accountId }));
      if (!out.Account) throw new Error('DescribeAccount answered without an account');
      return toAccount(out.Account);
    } catch (err) {
      throw productError(err, 'DescribeAccount', accountId);
    }
  }

  async getPrimaryEmail(accountId: string): Promise<string> {
    try {
      const out = await this.account.send(new GetPrimaryEmailCommand({ AccountId: accountId }));
      if (!out.PrimaryEmail) throw new Error('GetPrimaryEmail answered without an address');
      return out.PrimaryEmail;
    } catch (err) {
      throw productError(err, 'GetPrimaryEmail', accountId);
    }
  }

  async startPrimaryEmailUpdate(accountId: string, newEmail: string): Promise<PrimaryEmailUpdateStatus> {
    try {
      const out = await this.account.send(
        new StartPrimaryEmailUpdateCommand({ AccountId: accountId, PrimaryEmail: newEmail }),
      );
      return (out.Status ?? 'PENDING') as PrimaryEmailUpdateStatus;
    } catch (err) {
      throw productError(err, 'StartPrimaryEmailUpdate', accountId);
    }
  }

  async acceptPrimaryEmailUpdate(
    accountId: string,
    otp: string,
    newEmail: string,
  ): Promise<PrimaryEmailUpdateStatus> {
    try {
      const out = await this.account.send(
        new AcceptPrimaryEmailUpdateCommand({ AccountId: accountId, Otp: otp, PrimaryEmail: newEmail }),
      );
      return (out.Status ?? 'ACCEPTED') as PrimaryEmailUpdateStatus;
    } catch (err) {
      throw productError(err, 'AcceptPrimaryEmailUpdate', accountId);
    }
  }

  async getPrimaryEmailUpdateStatus(
    accountId: string,
  ): Promise<{ status: PrimaryEmailUpdateStatus; updatedAt?: string }> {
    try {
      const out = await this.account.send(new GetPrimaryEmailUpdateStatusCommand({ AccountId: accountId }));
      return {
        status: (out.Status ?? 'PENDING') as PrimaryEmailUpdateStatus,
        updatedAt: out.UpdatedAt?.toISOString(),
      };
    } catch (err) {
      throw productError(err, 'GetPrimaryEmailUpdateStatus', accountId);
    }
  }

  rootAccessFeatures(): Promise<RootAccessFeatures> {
    return this.root.features();
  }

  auditRootCredentials(accountId: string): Promise<RootCredentials> {
    return this.root.audit(accountId);
  }

  allowRootPasswordRecovery(accountId: string): Promise<{ created: boolean }> {
    return this.root.allowPasswordRecovery(accountId);
  }

  removeRootCredentials(accountId: string, removal: RootCredentialRemoval): Promise<RootCredentials> {
    return this.root.remove(accountId, removal);
  }

  /** Closes the clients' connections (and the STS client's). */
  destroy(): void {
    this.organizations.destroy();
    this.account.destroy();
    this.root.destroy();
    this.options.credentials?.destroy?.();
  }
}

/** Full backoff doubled per retry, with jitter in its upper half so that a retry never comes too soon. */
export function backoff(policy: RetryPolicy, retry: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

const MANAGEMENT_ACCOUNT_IN_ARN = /^arn:[^:]+:organizations::(\d{12}):account\//;

function toAccount(a: OrganizationsAccount): AwsAccount {
  const owner = MANAGEMENT_ACCOUNT_IN_ARN.exec(a.Arn ?? '')?.[1];
  return {
    id: a.Id ?? '',
    name: a.Name ?? '',
    email: a.Email ?? '',
    state: toAwsAccountState(a.State ?? a.Status),
    joinedAt: a.JoinedTimestamp?.toISOString(),
    // An account's ARN names the management account that owns the organisation.
    isManagementAccount: owner !== undefined && owner === a.Id,
  };
}
