import type { AwsAccount, PrimaryEmailUpdateStatus } from '../domain/awsAccounts';
import type { RootAccessFeatures, RootCredentialRemoval, RootCredentials } from '../domain/rootPosture';

export type { AwsAccount, AwsAccountState, PrimaryEmailUpdateStatus } from '../domain/awsAccounts';
export type { RootCredentialRemoval } from '../domain/rootPosture';

/**
 * The AWS port: AWS Organizations (the account list), AWS Account Management (the root e-mail change) and
 * centralized root access (root sessions in member accounts) as this product needs them, called from the
 * management account or a delegated administrator. Every failure is one of the AwsAccountsError classes
 * below, with a message an admin can act on.
 */
export interface AwsAccountsPort {
  /** Every account of the organisation, the management account included, following every page. */
  listAccounts(): AsyncIterable<AwsAccount>;
  /** One account; AwsAccountNotFoundError when the organisation has no such account. */
  describeAccount(accountId: string): Promise<AwsAccount>;
  /** The account's current root e-mail address, read from Account Management. */
  getPrimaryEmail(accountId: string): Promise<string>;
  /** Asks AWS to move the account's root e-mail to `newEmail`; AWS mails a one-time code to `newEmail`. */
  startPrimaryEmailUpdate(accountId: string, newEmail: string): Promise<PrimaryEmailUpdateStatus>;
  /** Confirms the change with the code from that mail; PrimaryEmailUpdateRejectedError when AWS refuses it. */
  acceptPrimaryEmailUpdate(
    accountId: string,
    otp: string,
    newEmail: string,
  ): Promise<PrimaryEmailUpdateStatus>;
  /** Where the most recent change stands (ACCEPTED moves on to COMPLETED once AWS has applied it). */
  getPrimaryEmailUpdateStatus(
    accountId: string,
  ): Promise<{ status: PrimaryEmailUpdateStatus; updatedAt?: string }>;

  // ---- centralized root access: each call below runs in a root session (sts:AssumeRoot) of one task ----

  /** iam:ListOrganizationsFeatures: whether root credentials management and root sessions are on. */
  rootAccessFeatures(): Promise<RootAccessFeatures>;
  /** IAMAuditRootUserCredentials: the member account's root user's password, keys, MFA and certificates. */
  auditRootCredentials(accountId: string): Promise<RootCredentials>;
  /**
   * IAMCreateRootUserPassword: CreateLoginProfile without a password, so a person can use "Forgot password?"
   * on the root sign-in page; `created` false when the root user already had one.
   */
  allowRootPasswordRecovery(accountId: string): Promise<{ created: boolean }>;
  /**
   * IAMDeleteRootUserCredentials: deletes what `removal` names (what is gone already counts as removed) and
   * answers what the root user has afterwards, read in the same session.
   */
  removeRootCredentials(accountId: string, removal: RootCredentialRemoval): Promise<RootCredentials>;
}

/** Calls the role makes with its own permissions (infra/aws/rootmail-role.yaml grants exactly these). */
export type RoleOperation =
  | 'ListAccounts'
  | 'DescribeAccount'
  | 'GetPrimaryEmail'
  | 'StartPrimaryEmailUpdate'
  | 'AcceptPrimaryEmailUpdate'
  | 'GetPrimaryEmailUpdateStatus'
  | 'AssumeRoleWithWebIdentity'
  | 'AssumeRoot'
  | 'ListOrganizationsFeatures';

/** IAM calls in a member account's root session: its task policy allows them, not the role's policy. */
export type RootSessionOperation =
  | 'GetLoginProfile'
  | 'ListAccessKeys'
  | 'GetAccessKeyLastUsed'
  | 'ListMFADevices'
  | 'ListSigningCertificates'
  | 'CreateLoginProfile'
  | 'DeleteLoginProfile'
  | 'DeleteAccessKey'
  | 'DeactivateMFADevice'
  | 'DeleteSigningCertificate';

export type AwsOperation = RoleOperation | RootSessionOperation;

/** Base of every AWS failure; `operation` names the AWS call, `awsCode` the error AWS answered with. */
export class AwsAccountsError extends Error {
  constructor(
    message: string,
    readonly operation: AwsOperation,
    readonly awsCode?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The role's IAM policy does not allow the action (the fix is in infra/aws/, not in AWS Organizations). */
export class AwsAccessDeniedError extends AwsAccountsError {}

/**
 * The role lives in an account that is neither the organisation's management account nor a delegated
 * administrator (or in no organisation at all).
 */
export class NotManagementAccountError extends AwsAccountsError {}

/** Trusted access for AWS Account Management is not enabled in the organisation. */
export class TrustedAccessDisabledError extends AwsAccountsError {}

export class AwsAccountNotFoundError extends AwsAccountsError {
  constructor(
    message: string,
    operation: AwsOperation,
    awsCode: string | undefined,
    readonly accountId: string,
  ) {
    super(message, operation, awsCode);
  }
}

export type PrimaryEmailUpdateRejection =
  /** The one-time code is wrong or expired. */
  | 'invalid-code'
  /** Another AWS account already uses the new address. */
  | 'email-in-use'
  /** AWS does not change the management account's own root e-mail through the API. */
  | 'management-account'
  /** There is no change waiting for a code (never started, or already done). */
  | 'no-pending-update'
  /** AWS rejected the input (address format, account id). */
  | 'invalid-input';

/** AWS refused the root e-mail change itself (as opposed to refusing access). */
export class PrimaryEmailUpdateRejectedError extends AwsAccountsError {
  constructor(
    message: string,
    operation: AwsOperation,
    awsCode: string | undefined,
    readonly reason: PrimaryEmailUpdateRejection,
  ) {
    super(message, operation, awsCode);
  }
}

/** AWS kept answering TooManyRequestsException after every retry. */
export class AwsThrottledError extends AwsAccountsError {
  constructor(
    message: string,
    operation: AwsOperation,
    awsCode: string | undefined,
    readonly attempts: number,
  ) {
    super(message, operation, awsCode);
  }
}

/** AWS could not be reached or failed on its side (5xx, network) after the retries. */
export class AwsUnavailableError extends AwsAccountsError {}

/** No AWS credentials: the Entra ID token could not be had, or STS refused to exchange it for the role. */
export class AwsSignInError extends AwsAccountsError {}

/**
 * Centralized root access is off (root credentials management or root sessions), or the role's account may
 * not use it: the message says what to enable.
 */
export class RootAccessOffError extends AwsAccountsError {}
