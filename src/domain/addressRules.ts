/**
 * Pure rules about root e-mail addresses, account names and AWS account ids. Every message says what to
 * fix, in the user's words; callers show it as is.
 */

/** Exchange Online was seen to refuse more than 333 proxy addresses per mailbox; plan ~300 aliases. */
export const MAX_ADDRESSES_PER_MAILBOX = 333;
export const DEFAULT_MAILBOX_CAPACITY = 300;
/** Exchange gives a shared mailbox its primary address and a tenant.onmicrosoft.com address; both count. */
export const OWN_ADDRESSES_PER_MAILBOX = 2;
export const MAX_ALIASES_PER_MAILBOX = MAX_ADDRESSES_PER_MAILBOX - OWN_ADDRESSES_PER_MAILBOX;

/** A new mailbox may carry what its first file gives it (a plan can ask for more than 300), never above the cap. */
export function capacityForNewMailbox(aliases: number): number {
  return Math.min(Math.max(DEFAULT_MAILBOX_CAPACITY, aliases), MAX_ALIASES_PER_MAILBOX);
}

const FORBIDDEN_LOCAL_CHARS = /["'()<>[\]:;,\\|%&]/;

/** The AWS Organizations CreateAccount rules for a root e-mail address; undefined when the address passes. */
export function rootEmailProblem(address: string): string | undefined {
  const reason = rootEmailReason(address);
  return reason && `\`${address.slice(0, 80)}\` is not a valid AWS root e-mail address: ${reason}.`;
}

function rootEmailReason(address: string): string | undefined {
  if (address.length < 6 || address.length > 64)
    return `it must be 6–64 characters long (it has ${address.length})`;
  if (!/^[\x21-\x7e]*$/.test(address)) return 'use 7-bit ASCII characters only, without spaces';
  const parts = address.split('@');
  if (parts.length !== 2) return 'it must contain exactly one @';
  const [local, domain] = parts;
  if (!local) return 'there is nothing before the @';
  if (local.startsWith('.')) return 'the part before the @ must not start with a dot';
  if (FORBIDDEN_LOCAL_CHARS.test(local))
    return 'the part before the @ must not contain any of " \' ( ) < > [ ] : ; , \\ | % &';
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(domain))
    return 'the domain after the @ needs at least one dot, like contoso.com';
  return undefined;
}

export function isValidRootEmail(address: string): boolean {
  return rootEmailProblem(address) === undefined;
}

/** Addresses are stored and compared in lower case, without surrounding space or mailto:. */
export function normalizeAddress(input: string): string {
  return input
    .trim()
    .replace(/^mailto:/i, '')
    .toLowerCase();
}

const ACCOUNT_NAME = /^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$/;

/** Account names become part of plus addresses, so they are kept to a safe, readable alphabet. */
export function accountNameProblem(name: string): string | undefined {
  const lowered = name.trim().toLowerCase();
  if (ACCOUNT_NAME.test(lowered) && !lowered.includes('--')) return undefined;
  return `\`${name.slice(0, 60)}\` is not a valid account name: use letters, digits and hyphens, 3–40 characters, starting and ending with a letter or digit.`;
}

export function normalizeAccountName(name: string): string {
  return name.trim().toLowerCase();
}

export function awsAccountIdProblem(id: string): string | undefined {
  return /^\d{12}$/.test(id.trim())
    ? undefined
    : `\`${id.slice(0, 40)}\` is not an AWS account id: it must be exactly 12 digits, like 123456789012.`;
}

/** `aws@contoso.com` + `payments-prod` → `aws+payments-prod@contoso.com`, checked against the AWS rules. */
export function plusAddressFor(
  plusBase: string,
  accountName: string,
): { address?: string; problem?: string } {
  const nameProblem = accountNameProblem(accountName);
  if (nameProblem) return { problem: nameProblem };
  const [local, domain] = normalizeAddress(plusBase).split('@');
  const address = `${local}+${normalizeAccountName(accountName)}@${domain}`;
  const reason = rootEmailReason(address);
  if (reason)
    return {
      problem: `The account name \`${accountName}\` would give \`${address}\`, which AWS does not accept (${reason}); pick a shorter account name.`,
    };
  return { address };
}

/** How many buckets the pool is spread over, so concurrent allocations look at different candidates. */
export const POOL_BUCKETS = 64;

/** A stable bucket for an address (FNV-1a), stored on the record so allocation can query one bucket. */
export function poolBucketOf(address: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < address.length; i++) {
    hash ^= address.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % POOL_BUCKETS;
}

/** The pool is low when fewer than 10 % of its aliases are free. */
export function isPoolLow(free: number, total: number): boolean {
  return total > 0 && free * 10 < total;
}

export function quarantineEnd(now: Date, quarantineDays: number): Date {
  return new Date(now.getTime() + quarantineDays * 86_400_000);
}
