import type { AwsAccount } from './awsAccounts';
import { FindingBase, fingerprintOf } from './reconciliation';
import { formatTime } from './timeWording';

/**
 * Root users of member accounts as AWS Organizations' centralized root access sees them: what an audit
 * (AssumeRoot with the IAMAuditRootUserCredentials task policy) finds, how the registry keeps it, when an
 * account is due for its next audit, and which of it is drift a person must act on. Pure rules, no I/O.
 */

/** The AWS-managed task policies RootMail uses (arn:aws:iam::aws:policy/root-task/<name>). */
export const ROOT_TASKS = [
  'IAMAuditRootUserCredentials',
  'IAMCreateRootUserPassword',
  'IAMDeleteRootUserCredentials',
] as const;
export type RootTask = (typeof ROOT_TASKS)[number];

/** iam:ListOrganizationsFeatures: the two features centralized root access needs. */
export interface RootAccessFeatures {
  organizationId?: string;
  rootCredentialsManagement: boolean;
  rootSessions: boolean;
  /** Why AWS says they are off when it refused to tell (trusted access for IAM off, not all features). */
  problem?: string;
}

export interface RootAccessKey {
  id: string;
  active: boolean;
  createdAt?: string;
  /** GetAccessKeyLastUsed; absent when AWS has never seen it used. */
  lastUsedAt?: string;
}

/** What an audit of a root user found: the credentials it has now. */
export interface RootCredentials {
  password: boolean;
  passwordCreatedAt?: string;
  accessKeys: RootAccessKey[];
  mfaDevices: { serial: string; enabledAt?: string }[];
  signingCertificates: { id: string; active: boolean; uploadedAt?: string }[];
}

/** What to remove from a root user: the password, and access keys, certificates and MFA devices by id. */
export interface RootCredentialRemoval {
  password: boolean;
  accessKeyIds: string[];
  signingCertificateIds: string[];
  mfaSerialNumbers: string[];
}

/** One member account's root user as the registry keeps it. */
export interface RootPosture {
  accountId: string;
  accountName: string;
  /** The last successful audit and what it found (absent until one succeeded). */
  checkedAt?: string;
  credentials?: RootCredentials;
  /** The last audit that failed, in an admin's words; cleared by the next success. */
  problem?: { at: string; text: string };
}

/** What an admin runs in the management account to turn centralized root access on (docs/aws-access.md). */
export const ENABLE_ROOT_ACCESS =
  'In the management account run: aws organizations enable-aws-service-access --service-principal iam.amazonaws.com, then aws iam enable-organizations-root-credentials-management and aws iam enable-organizations-root-sessions (docs/aws-access.md).';

/** Which of the two features are off, and the commands that turn them on; undefined when both are on. */
export function rootAccessOff(features: RootAccessFeatures): string | undefined {
  if (features.rootCredentialsManagement && features.rootSessions) return undefined;
  const off = [
    !features.rootCredentialsManagement && 'root credentials management',
    !features.rootSessions && 'root sessions (privileged root actions in member accounts)',
  ].filter(Boolean);
  return `Centralized root access is off in the AWS organisation (${features.problem ?? `${off.join(' and ')} not enabled`}), so RootMail cannot audit root users or open root-access sessions; everything else works as before. ${ENABLE_ROOT_ACCESS}`;
}

/** Audited again once this old: the hourly run checks each account about once a day. */
export const ROOT_AUDIT_AGE_MS = 23.5 * 3_600_000;

export function hasRootCredentials(c: RootCredentials | undefined): boolean {
  return (
    !!c &&
    (c.password || c.accessKeys.length > 0 || c.mfaDevices.length > 0 || c.signingCertificates.length > 0)
  );
}

/**
 * The accounts a reconciliation run audits: linked member accounts that are ACTIVE (AssumeRoot reaches no
 * other), all of them on demand, else those not audited for ROOT_AUDIT_AGE_MS; the stalest first, so a run
 * cut short has covered the accounts that waited longest.
 */
export function rootAuditTargets(input: {
  accounts: Iterable<AwsAccount>;
  linkedAccountIds: ReadonlySet<string>;
  postures: ReadonlyMap<string, RootPosture>;
  now: Date;
  everyAccount: boolean;
}): AwsAccount[] {
  const lastChecked = (id: string) => Date.parse(input.postures.get(id)?.checkedAt ?? '') || 0;
  const due: AwsAccount[] = [];
  for (const account of input.accounts) {
    if (account.isManagementAccount || account.state !== 'ACTIVE') continue;
    if (!input.linkedAccountIds.has(account.id)) continue;
    if (!input.everyAccount && input.now.getTime() - lastChecked(account.id) < ROOT_AUDIT_AGE_MS) continue;
    due.push(account);
  }
  return due.sort((a, b) => lastChecked(a.id) - lastChecked(b.id) || (a.id < b.id ? -1 : 1));
}

// ---- in words ----

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "AKIA…WXYZ": enough to tell keys apart on a card, not the whole id. */
export function maskKeyId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : id;
}

function describeKeys(keys: RootAccessKey[]): string {
  const each = keys
    .map(
      (k) =>
        `${maskKeyId(k.id)} ${k.active ? 'active' : 'inactive'}, ` +
        (k.lastUsedAt ? `last used ${k.lastUsedAt.slice(0, 10)}` : 'never used'),
    )
    .join('; ');
  const active = keys.filter((k) => k.active).length;
  return keys.length === 1
    ? `1 access key (${each})`
    : `${keys.length} access keys, ${active} active (${each})`;
}

/** "a password (set 2024-03-01), 1 access key (…), 1 MFA device" or "no root credentials". */
export function describeRootCredentials(c: RootCredentials): string {
  if (!hasRootCredentials(c)) return 'no root credentials';
  const parts: string[] = [];
  if (c.password)
    parts.push(`a password${c.passwordCreatedAt ? ` (set ${c.passwordCreatedAt.slice(0, 10)})` : ''}`);
  if (c.accessKeys.length) parts.push(describeKeys(c.accessKeys));
  if (c.mfaDevices.length) parts.push(plural(c.mfaDevices.length, 'MFA device'));
  if (c.signingCertificates.length) parts.push(plural(c.signingCertificates.length, 'signing certificate'));
  return parts.join(', ');
}

/** The posture on a record's card and in the tab: what was found and when, or why it is not known. */
export function describeRootPosture(p: RootPosture | undefined): string | undefined {
  if (!p) return undefined;
  const found = p.credentials
    ? `${describeRootCredentials(p.credentials)} (checked ${formatTime(p.checkedAt)})`
    : 'not checked yet';
  return p.problem ? `${found}; the last check failed ${formatTime(p.problem.at)}: ${p.problem.text}` : found;
}

/** Figures for status and the run: accounts checked and those whose root user has credentials. */
export interface RootPostureCounts {
  /** Accounts with a successful audit. */
  checked: number;
  withCredentials: number;
  withAccessKeys: number;
  withPassword: number;
  /** Accounts whose last audit failed. */
  failing: number;
}

export function countRootPostures(postures: Iterable<RootPosture>): RootPostureCounts {
  const counts: RootPostureCounts = {
    checked: 0,
    withCredentials: 0,
    withAccessKeys: 0,
    withPassword: 0,
    failing: 0,
  };
  for (const p of postures) {
    if (p.problem) counts.failing++;
    if (!p.credentials) continue;
    counts.checked++;
    if (hasRootCredentials(p.credentials)) counts.withCredentials++;
    if (p.credentials.accessKeys.length) counts.withAccessKeys++;
    if (p.credentials.password) counts.withPassword++;
  }
  return counts;
}

// ---- drift ----

export type RootFinding =
  | (FindingBase & {
      /** The root user has access keys: full, long-lived control of the account that names no person. */
      kind: 'root-access-key';
      accountId: string;
      accountName: string;
      accessKeys: RootAccessKey[];
    })
  | (FindingBase & {
      /** The root user has a password while no approved break-glass session is open for the account. */
      kind: 'root-password';
      accountId: string;
      accountName: string;
      passwordCreatedAt?: string;
    });

/**
 * The root credentials that are drift: any root access key, and a root password outside an approved session
 * (`openSessions`: account ids with a break-glass session open now). One finding per account and kind; its
 * fingerprint changes with the keys (or the password's creation), so it is reported again only then.
 */
export function rootFindings(
  postures: Iterable<RootPosture>,
  openSessions: ReadonlySet<string> = new Set(),
): RootFinding[] {
  const findings: RootFinding[] = [];
  for (const p of postures) {
    const c = p.credentials;
    if (!c) continue;
    const account = p.accountName ? `${p.accountId} (${p.accountName})` : p.accountId;
    if (c.accessKeys.length) {
      const keys = [...c.accessKeys].sort((a, b) => (a.id < b.id ? -1 : 1));
      findings.push({
        kind: 'root-access-key',
        subject: `root-access-key:${p.accountId}`,
        fingerprint: fingerprintOf(['root-keys', p.accountId, ...keys.map((k) => `${k.id}:${k.active}`)]),
        suggestion: 'remove-root-credentials',
        summary: `The root user of AWS account ${account} has ${describeKeys(keys)}. A root access key is full, long-lived control of the account that names no person: remove it.`,
        accountId: p.accountId,
        accountName: p.accountName,
        accessKeys: keys,
      });
    }
    if (c.password && !openSessions.has(p.accountId)) {
      findings.push({
        kind: 'root-password',
        subject: `root-password:${p.accountId}`,
        fingerprint: fingerprintOf(['root-password', p.accountId, c.passwordCreatedAt ?? '']),
        suggestion: 'remove-root-credentials',
        summary: `The root user of AWS account ${account} has a password${c.passwordCreatedAt ? ` (set ${c.passwordCreatedAt.slice(0, 10)})` : ''}, and no approved root-access session is open for it: remove the password (root sign-in goes through an approved session).`,
        accountId: p.accountId,
        accountName: p.accountName,
        passwordCreatedAt: c.passwordCreatedAt,
      });
    }
  }
  return findings.sort((a, b) => (a.subject < b.subject ? -1 : 1));
}
