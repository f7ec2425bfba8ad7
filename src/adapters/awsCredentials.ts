import { AssumeRoleWithWebIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { DefaultAzureCredential, TokenCredential } from '@azure/identity';
import type { AppConfig } from '../config';
import { AwsSignInError } from '../ports/awsAccounts';
import { Clock, systemClock } from '../ports/clock';

/** What the AWS SDK clients accept as `credentials`. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
export type AwsCredentialProvider = () => Promise<AwsCredentials>;

export interface WebIdentityOptions {
  roleArn: string;
  /** The Entra app's application ID URI; the token is asked for `<audience>/.default`. */
  audience: string;
  /** Gets the Entra ID token: in Azure the app's managed identity. */
  tokenCredential: TokenCredential;
  region: string;
  /** A loopback STS in tests. */
  stsEndpoint?: string;
  /** Shown in CloudTrail as the session name of every call the app makes. */
  sessionName?: string;
  durationSeconds?: number;
  /** Fetch new credentials this long before the current ones expire (at least the SDK's own 5 minutes). */
  refreshBeforeMs?: number;
  clock?: Clock;
}

const DEFAULT_REFRESH_BEFORE_MS = 10 * 60_000;

/**
 * Keyless AWS credentials: an Entra ID token of the app's identity, exchanged with STS
 * AssumeRoleWithWebIdentity for the role's temporary credentials, fetched again before they expire.
 * Concurrent callers share one exchange; when a refresh fails while the old credentials are still valid,
 * those are used and the next call tries again.
 */
export function webIdentityCredentials(options: WebIdentityOptions): AwsCredentialProvider & {
  /** Closes the STS client's connections. */
  destroy(): void;
} {
  const clock = options.clock ?? systemClock;
  const refreshBeforeMs = options.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS;
  const scope = `${options.audience.replace(/\/+$/, '')}/.default`;
  const sts = new STSClient({
    region: options.region,
    ...(options.stsEndpoint ? { endpoint: options.stsEndpoint } : {}),
  });
  let current: AwsCredentials | undefined;
  let exchange: Promise<AwsCredentials> | undefined;

  const stillValid = (c: AwsCredentials | undefined, marginMs: number) =>
    c !== undefined && (!c.expiration || c.expiration.getTime() - clock.now().getTime() > marginMs);

  async function assumeRole(): Promise<AwsCredentials> {
    let token: string;
    try {
      const accessToken = await options.tokenCredential.getToken(scope);
      if (!accessToken?.token) throw new Error('no token was returned');
      token = accessToken.token;
    } catch (err) {
      throw new AwsSignInError(
        `Could not get an Entra ID token for ${scope} to sign in to AWS: ${(err as Error).message}. Check that the app's managed identity may get tokens for that application ID URI (docs/aws-access.md).`,
        'AssumeRoleWithWebIdentity',
      );
    }
    try {
      const out = await sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: options.roleArn,
          RoleSessionName: options.sessionName ?? 'rootmail-teams',
          WebIdentityToken: token,
          DurationSeconds: options.durationSeconds,
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('STS answered without credentials');
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    } catch (err) {
      throw signInError(err, options.roleArn);
    }
  }

  const provider = async (): Promise<AwsCredentials> => {
    if (stillValid(current, refreshBeforeMs)) return current!;
    exchange ??= assumeRole()
      .then((fresh) => (current = fresh))
      .catch((err: unknown) => {
        if (stillValid(current, 0)) return current!;
        throw err;
      })
      .finally(() => (exchange = undefined));
    return exchange;
  };
  return Object.assign(provider, { destroy: () => sts.destroy() });
}

function signInError(err: unknown, roleArn: string): AwsSignInError {
  const code = err instanceof STSServiceException ? err.name : undefined;
  const detail = (err as Error).message;
  const hint =
    code === 'InvalidIdentityTokenException' || code === 'IDPRejectClaimException'
      ? "AWS did not accept the Entra ID token: the IAM OIDC provider must be https://sts.windows.net/<tenant id>/ with the app's application ID URI as audience"
      : code === 'AccessDenied' || code === 'AccessDeniedException'
        ? `the trust policy of ${roleArn} does not let this identity in: check its aud and sub conditions (sub = the managed identity's object id)`
        : code === 'ExpiredTokenException'
          ? 'the Entra ID token had expired; this is retried on the next call'
          : code === 'RegionDisabledException'
            ? 'STS is not enabled in AWS_REGION for this account'
            : 'STS could not be reached or failed';
  return new AwsSignInError(
    `Signing in to AWS as ${roleArn} failed: ${hint} (${code ?? 'error'}: ${detail}).`,
    'AssumeRoleWithWebIdentity',
    code,
  );
}

/**
 * Credentials for the configured source: web identity with the app's managed identity (or the given
 * TokenCredential), or undefined for the AWS SDK's standard chain (environment, profile, SSO) in local runs.
 */
export function awsCredentialsFromConfig(
  aws: NonNullable<AppConfig['aws']>,
  deps: { tokenCredential?: TokenCredential; clock?: Clock } = {},
): (AwsCredentialProvider & { destroy(): void }) | undefined {
  if (aws.credentials.kind === 'environment') return undefined;
  const { roleArn, audience, managedIdentityClientId } = aws.credentials;
  return webIdentityCredentials({
    roleArn,
    audience,
    tokenCredential:
      deps.tokenCredential ??
      new DefaultAzureCredential(managedIdentityClientId ? { managedIdentityClientId } : {}),
    region: aws.region,
    stsEndpoint: aws.endpoints.sts,
    clock: deps.clock,
  });
}
