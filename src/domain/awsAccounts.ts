/**
 * AWS accounts as AWS Organizations describes them, in the product's terms. Shared by the AWS port and the
 * reconciliation rules, so neither depends on the AWS SDK's types.
 */

/** Organizations' `State` field (not the deprecated `Status`). */
export const AWS_ACCOUNT_STATES = [
  'PENDING_ACTIVATION',
  'ACTIVE',
  'SUSPENDED',
  'PENDING_CLOSURE',
  'CLOSED',
] as const;

/** `UNKNOWN` stands for a state AWS may add later; the rules leave such accounts alone. */
export type AwsAccountState = (typeof AWS_ACCOUNT_STATES)[number] | 'UNKNOWN';

/** States in which an account is going or gone: its root address should be retired. */
export const ENDING_ACCOUNT_STATES: readonly AwsAccountState[] = ['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED'];

export interface AwsAccount {
  /** 12-digit account id. */
  id: string;
  name: string;
  /** The root user's e-mail address as AWS has it (case kept). */
  email: string;
  state: AwsAccountState;
  /** ISO time the account joined (or was created in) the organisation. */
  joinedAt?: string;
  /** The organisation's management account: its root e-mail cannot be changed through the API. */
  isManagementAccount: boolean;
}

export function toAwsAccountState(value: string | undefined): AwsAccountState {
  return (AWS_ACCOUNT_STATES as readonly string[]).includes(value ?? '')
    ? (value as AwsAccountState)
    : 'UNKNOWN';
}

/** Status of a root e-mail change (Account Management's PrimaryEmailUpdateStatus). */
export type PrimaryEmailUpdateStatus = 'PENDING' | 'ACCEPTED' | 'COMPLETED' | 'FAILED';
