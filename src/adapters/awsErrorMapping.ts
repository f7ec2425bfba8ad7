import { ENABLE_ROOT_ACCESS, RootTask } from '../domain/rootPosture';
import {
  AwsAccessDeniedError,
  AwsAccountNotFoundError,
  AwsAccountsError,
  AwsOperation,
  AwsSignInError,
  AwsThrottledError,
  AwsUnavailableError,
  NotManagementAccountError,
  PrimaryEmailUpdateRejectedError,
  RoleOperation,
  RootAccessOffError,
  RootSessionOperation,
  TrustedAccessDisabledError,
} from '../ports/awsAccounts';

/** What the AWS SDK throws, in the port's terms: the IAM action behind each call and the port's errors. */

/**
 * The IAM action behind each call the role makes itself; infra/aws/rootmail-role.yaml grants exactly these
 * (test/infraAws.spec.ts).
 */
export const IAM_ACTION: Record<RoleOperation, string> = {
  ListAccounts: 'organizations:ListAccounts',
  DescribeAccount: 'organizations:DescribeAccount',
  GetPrimaryEmail: 'account:GetPrimaryEmail',
  StartPrimaryEmailUpdate: 'account:StartPrimaryEmailUpdate',
  AcceptPrimaryEmailUpdate: 'account:AcceptPrimaryEmailUpdate',
  GetPrimaryEmailUpdateStatus: 'account:GetPrimaryEmailUpdateStatus',
  AssumeRoleWithWebIdentity: 'sts:AssumeRoleWithWebIdentity',
  AssumeRoot: 'sts:AssumeRoot',
  ListOrganizationsFeatures: 'iam:ListOrganizationsFeatures',
};

/** The IAM actions of the root-session calls: the sessions' task policies allow them, not the role. */
export const ROOT_SESSION_ACTION: Record<RootSessionOperation, string> = {
  GetLoginProfile: 'iam:GetLoginProfile',
  ListAccessKeys: 'iam:ListAccessKeys',
  GetAccessKeyLastUsed: 'iam:GetAccessKeyLastUsed',
  ListMFADevices: 'iam:ListMFADevices',
  ListSigningCertificates: 'iam:ListSigningCertificates',
  CreateLoginProfile: 'iam:CreateLoginProfile',
  DeleteLoginProfile: 'iam:DeleteLoginProfile',
  DeleteAccessKey: 'iam:DeleteAccessKey',
  DeactivateMFADevice: 'iam:DeactivateMFADevice',
  DeleteSigningCertificate: 'iam:DeleteSigningCertificate',
};

const inRootSession = (operation: AwsOperation): operation is RootSessionOperation =>
  operation in ROOT_SESSION_ACTION;

interface SdkError {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; attempts?: number };
  fieldList?: { name?: string }[];
}

/**
 * Turns what the SDK threw into the port's errors, each saying what an admin can do about it; `task` names
 * the root session's task policy for AssumeRoot and the calls made in that session.
 */
export function productError(
  err: unknown,
  operation: AwsOperation,
  accountId?: string,
  task?: RootTask,
): AwsAccountsError {
  if (err instanceof AwsAccountsError) return err;
  const e = (err ?? {}) as SdkError;
  const code = e.name ?? 'Error';
  const said = e.message ?? String(err);
  const status = e.$metadata?.httpStatusCode;
  const action = inRootSession(operation) ? ROOT_SESSION_ACTION[operation] : IAM_ACTION[operation];
  const account = `${accountId ? ` for account ${accountId}` : ''}${task ? ` (task policy ${task})` : ''}`;
  const rootAccessCall = operation === 'AssumeRoot' || operation === 'ListOrganizationsFeatures';
  const primaryEmailCall = operation !== 'ListAccounts' && operation !== 'DescribeAccount' && !rootAccessCall;

  if (
    code === 'TooManyRequestsException' ||
    code === 'ThrottlingException' ||
    code === 'Throttling' ||
    status === 429
  ) {
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
    if (inRootSession(operation)) {
      return new AwsAccessDeniedError(
        `AWS refused ${action} in the root session${account}: the task policy or a service control policy does not allow it. AWS said: ${said}`,
        operation,
        code,
      );
    }
    if (/not authorized to perform/i.test(said)) {
      if (operation === 'AssumeRoot')
        return new AwsAccessDeniedError(
          `The AWS role may not call sts:AssumeRoot${account}: its IAM policy does not allow it. Deploy infra/aws/rootmail-role.yaml (it allows AssumeRoot with exactly RootMail's three task policies). AWS said: ${said}`,
          operation,
          code,
        );
      return new AwsAccessDeniedError(
        `The AWS role may not call ${action}${account}: its IAM policy does not allow it. Deploy infra/aws/rootmail-role.yaml (it grants exactly the actions RootMail uses). AWS said: ${said}`,
        operation,
        code,
      );
    }
    if (rootAccessCall) {
      return new RootAccessOffError(
        `AWS refused ${action}${account}: centralized root access is not enabled for the organisation, or the role's account is neither the management account nor the delegated administrator for IAM. ${ENABLE_ROOT_ACCESS} AWS said: ${said}`,
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
