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
import {
  AwsAccessDeniedError,
  AwsAccountNotFoundError,
  AwsAccountsError,
  AwsAccountsPort,
  AwsOperation,
  AwsSignInError,
  AwsThrottledError,
  AwsUnavailableError,
  NotManagementAccountError,
  PrimaryEmailUpdateRejectedError,
  TrustedAccessDisabledError,
} from '../ports/awsAccounts';
import type { Clock } from '../ports/clock';
import { AwsCredentialProvider, awsCredentialsFromConfig } from './awsCredentials';

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
  /** Loopback fakes in tests. */
  endpoints?: { organizations?: string; account?: string };
  retry?: Partial<RetryPolicy>;
}

/** ListAccounts answers at most 20 accounts a page. */
const PAGE_SIZE = 20;

/**
 * The AWS port over the AWS SDK: Organizations (ListAccounts, DescribeAccount) and Account Management (the
 * primary e-mail calls). Throttling is retried by the SDK's retry strategy with our backoff; whatever still
 * fails becomes one of the port's errors.
 */
export class AwsOrganizationsAccounts implements AwsAccountsPort {
  private readonly organizations: OrganizationsClient;
  private readonly account: AccountClient;

  constructor(private readonly options: AwsAccountsOptions) {
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    // One strategy per client: each service throttles on its own, so each keeps its own retry budget.
    const common = () => ({
      region: options.region,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      retryStrategy: new ConfiguredRetryStrategy(retry.maxAttempts, (attempt: number) =>
        backoff(retry, attempt),
      ),
    });
    this.organizations = new OrganizationsClient({
      ...common(),
      ...(options.endpoints?.organizations ? { endpoint: options.endpoints.organizations } : {}),
    });
    this.account = new AccountClient({
      ...common(),
      ...(options.endpoints?.account ? { endpoint: options.endpoints.account } : {}),
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

  /** Closes the clients' connections (and the STS client's). */
  destroy(): void {
    this.organizations.destroy();
    this.account.destroy();
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

/** The IAM action behind each call; infra/aws/rootmail-role.yaml grants exactly these (test/infraAws.spec.ts). */
export const IAM_ACTION: Record<AwsOperation, string> = {
  ListAccounts: 'organizations:ListAccounts',
  DescribeAccount: 'organizations:DescribeAccount',
  GetPrimaryEmail: 'account:GetPrimaryEmail',
  StartPrimaryEmailUpdate: 'account:StartPrimaryEmailUpdate',
  AcceptPrimaryEmailUpdate: 'account:AcceptPrimaryEmailUpdate',
  GetPrimaryEmailUpdateStatus: 'account:GetPrimaryEmailUpdateStatus',
  AssumeRoleWithWebIdentity: 'sts:AssumeRoleWithWebIdentity',
};

interface SdkError {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; attempts?: number };
  fieldList?: { name?: string }[];
}

/** Turns what the SDK threw into the port's errors, each saying what an admin can do about it. */
export function productError(err: unknown, operation: AwsOperation, accountId?: string): AwsAccountsError {
  if (err instanceof AwsAccountsError) return err;
  const e = (err ?? {}) as SdkError;
  const code = e.name ?? 'Error';
  const said = e.message ?? String(err);
  const status = e.$metadata?.httpStatusCode;
  const action = IAM_ACTION[operation];
  const account = accountId ? ` for account ${accountId}` : '';
  const primaryEmailCall = operation !== 'ListAccounts' && operation !== 'DescribeAccount';

  if (code === 'TooManyRequestsException' || code === 'ThrottlingException' || status === 429) {
    const attempts = e.$metadata?.attempts ?? 1;
    return new AwsThrottledError(
      `AWS kept throttling ${operation} (${code}) after ${attempts} attempt(s) with backoff; it is safe to try again later. Other tools calling AWS Organizations at the same time use up the same limit.`,
      operation,
      code,
      attempts,
    );
  }
  if (code === 'AccessDeniedException' || code === 'AccessDenied') {
    if (/trusted access/i.test(said)) {
      return new TrustedAccessDisabledError(
        `Trusted access for AWS Account Management is not enabled in the organisation, so ${operation}${account} was refused. In the management account run: aws organizations enable-aws-service-access --service-principal account.amazonaws.com`,
        operation,
        code,
      );
    }
    if (/standalone context|can't specify its own|cannot specify its own/i.test(said) && primaryEmailCall) {
      return new PrimaryEmailUpdateRejectedError(
        `Account ${accountId ?? ''} is the organisation's management account: AWS does not change its root e-mail through the API. Sign in as its root user and change it in the console.`,
        operation,
        code,
        'management-account',
      );
    }
    if (/not authorized to perform/i.test(said)) {
      return new AwsAccessDeniedError(
        `The AWS role may not call ${action}${account}: its IAM policy does not allow it. Deploy infra/aws/rootmail-role.yaml (it grants exactly the actions RootMail uses). AWS said: ${said}`,
        operation,
        code,
      );
    }
    return new NotManagementAccountError(
      `AWS refused ${action}${account}: the role is in an account that is neither the organisation's management account nor a delegated administrator for ${primaryEmailCall ? 'AWS Account Management' : 'AWS Organizations'} (see docs/aws-access.md). AWS said: ${said}`,
      operation,
      code,
    );
  }
  if (code === 'AWSOrganizationsNotInUseException') {
    return new NotManagementAccountError(
      `The AWS role's account is not part of an organisation, so ${operation} cannot list or manage member accounts. Deploy the role in the management account or a delegated administrator (docs/aws-access.md).`,
      operation,
      code,
    );
  }
  if (
    (code === 'AccountNotFoundException' || code === 'ResourceNotFoundException') &&
    operation !== 'AcceptPrimaryEmailUpdate' &&
    operation !== 'GetPrimaryEmailUpdateStatus'
  ) {
    return new AwsAccountNotFoundError(
      `The organisation has no AWS account ${accountId ?? ''}: check the 12-digit id, or whether the account has left the organisation.`,
      operation,
      code,
      accountId ?? '',
    );
  }
  if (code === 'ResourceNotFoundException') {
    return new PrimaryEmailUpdateRejectedError(
      `AWS has no root e-mail change waiting${account}: it was never started, has already been completed, or has expired. Start it again.`,
      operation,
      code,
      'no-pending-update',
    );
  }
  const aboutCode =
    /\botp\b|code/i.test(said) || (e.fieldList ?? []).some((f) => /^otp$/i.test(f.name ?? ''));
  if (
    operation === 'AcceptPrimaryEmailUpdate' &&
    aboutCode &&
    (code === 'ValidationException' || code === 'ConflictException')
  ) {
    return new PrimaryEmailUpdateRejectedError(
      `AWS rejected the one-time code for the root e-mail change${account}: it is wrong or has expired. Start the change again to get a new code.`,
      operation,
      code,
      'invalid-code',
    );
  }
  if (code === 'ConflictException') {
    return new PrimaryEmailUpdateRejectedError(
      `AWS refused the root e-mail change${account}: the new address is already the root e-mail of another AWS account, or a change is in progress. AWS said: ${said}`,
      operation,
      code,
      'email-in-use',
    );
  }
  if (code === 'ValidationException' || code === 'InvalidInputException') {
    return new PrimaryEmailUpdateRejectedError(
      `AWS rejected the input to ${operation}${account}: ${said}`,
      operation,
      code,
      'invalid-input',
    );
  }
  if (
    code === 'UnrecognizedClientException' ||
    code === 'InvalidClientTokenId' ||
    code === 'ExpiredTokenException' ||
    code === 'CredentialsProviderError' ||
    /Could not load credentials/i.test(said)
  ) {
    return new AwsSignInError(
      `AWS did not accept the app's credentials for ${operation} (${code}): set AWS_ROLE_ARN and AWS_WEB_IDENTITY_AUDIENCE for keyless access, or for local runs AWS credentials in the environment (docs/aws-access.md). AWS said: ${said}`,
      operation,
      code,
    );
  }
  if (e.$fault === 'server' || (status !== undefined && status >= 500) || status === undefined) {
    return new AwsUnavailableError(
      `AWS could not answer ${operation}${account} (${code}${status ? `, HTTP ${status}` : ''}) even after retries; try again later. ${said}`,
      operation,
      code,
    );
  }
  return new AwsAccountsError(`AWS refused ${operation}${account} (${code}): ${said}`, operation, code);
}
