/**
 * Which domains AWS sends root-user mail from, and how domains relate (subdomain, organisational domain,
 * look-alike). Pure data and functions.
 */

/**
 * AWS's own sender domains; every subdomain counts too. Where each one is documented:
 * - `aws`, the whole top-level domain AWS owns: `signin.aws` and `verify.signin.aws` ("search for messages sent
 *   from @signin.aws or @verify.signin.aws", IAM User Guide, troubleshooting_root-user.html; password reset mail
 *   "will come from an address ending in @verify.signin.aws", IAM User Guide, reset-root-password.html), and
 *   `signup.aws` for new-account sign-up codes (shared/DESIGN.md, issue 11). New `*.aws` names need no change here.
 * - `amazon.com`: account, billing and support notices (`no-reply-aws@amazon.com`, `@email.amazon.com`).
 * - `amazonaws.com`: the abuse team (`abuse@amazonaws.com`, re:Post knowledge-center/report-aws-abuse).
 * - `aws.com`: AWS Health managed notifications come "from health@aws.com" (re:Post article "AWS Managed
 *   Notifications: Understanding Aggregation and Deduplication"); Trust & Safety writes from
 *   `trustandsafety@support.aws.com` (re:Post article "Abuse reporting FAQs").
 * Not listed on purpose: `amazonses.com` (any SES customer's bounce domain) and `awstrack.me` (SES click tracking).
 */
export const AWS_SENDER_DOMAINS: readonly string[] = ['aws', 'amazon.com', 'amazonaws.com', 'aws.com'];

/**
 * Two-label public suffixes under which an organisation registers a third label (`amazon.co.jp`). Enough of the
 * Public Suffix List for the domains an operator may add; `.aws` needs no entry: `signup.aws` is itself an
 * organisational domain, as `verify.signin.aws` belongs to `signin.aws`.
 */
const TWO_LABEL_SUFFIXES = new Set([
  'co.uk',
  'org.uk',
  'com.au',
  'co.jp',
  'co.in',
  'com.br',
  'com.mx',
  'com.cn',
  'com.sg',
  'co.nz',
  'co.za',
  'com.tr',
  'co.kr',
  'com.tw',
]);

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

function clean(domain: string): string {
  return domain
    .trim()
    .toLowerCase()
    .replace(/^[@.]+/, '')
    .replace(/\.$/, '');
}

/** True for the domain itself or a subdomain: `verify.signin.aws` yes, `signin.aws.evil.com` no. */
export function isWithinDomains(domain: string, domains: readonly string[]): boolean {
  const d = clean(domain);
  return d !== '' && domains.some((allowed) => d === allowed || d.endsWith(`.${allowed}`));
}

/**
 * The organisational domain (RFC 7489 section 3.2) that relaxed DMARC alignment compares: the registered name
 * under its public suffix. `verify.signin.aws` → `signin.aws`, `email.amazon.com` → `amazon.com`.
 */
export function organisationalDomain(domain: string): string {
  const labels = clean(domain).split('.').filter(Boolean);
  if (labels.length <= 2) return labels.join('.');
  const suffixLabels = TWO_LABEL_SUFFIXES.has(labels.slice(-2).join('.')) ? 3 : 2;
  return labels.slice(-suffixLabels).join('.');
}

/** Relaxed alignment: both names have the same organisational domain. */
export function isAligned(a: string, b: string): boolean {
  return a !== '' && b !== '' && organisationalDomain(a) === organisationalDomain(b);
}

/**
 * The sender domains to trust: AWS's plus those an operator added. An added entry must be a registrable name
 * (two labels at least), so a setting like `com` cannot widen trust to a whole top-level domain.
 */
export function awsSenderDomains(extraSenderDomains: readonly string[] = []): string[] {
  const extra = extraSenderDomains.map(clean).filter((d) => senderDomainProblem(d) === undefined);
  return [...new Set([...AWS_SENDER_DOMAINS, ...extra])];
}

/** Why an operator-supplied sender domain is refused, in words for a configuration error; undefined if fine. */
export function senderDomainProblem(domain: string): string | undefined {
  const d = clean(domain);
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d))
    return `"${domain}" is not a domain name (expected something like amazon.co.jp)`;
  if (TWO_LABEL_SUFFIXES.has(d)) return `"${domain}" is a public suffix, not a sender domain`;
  return undefined;
}

export function isAwsSender(address: string, extraSenderDomains: readonly string[] = []): boolean {
  return isWithinDomains(domainOf(address), awsSenderDomains(extraSenderDomains));
}

/** Digits and letter pairs that phishers put in place of letters: amaz0n, arnazon, avvs. */
function unconfuse(text: string): string {
  return text
    .toLowerCase()
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
    .replace(/0/g, 'o')
    .replace(/[1|!]/g, 'l')
    .replace(/5/g, 's')
    .replace(/3/g, 'e')
    .replace(/4/g, 'a');
}

/**
 * A domain that names AWS or Amazon without being theirs: `signin-aws.com`, `aws-security.com`,
 * `amaz0n.com`, `signin.aws.evil.com`. Split on dots and hyphens so `laws.com` is not taken for one.
 */
export function looksLikeAwsDomain(domain: string): boolean {
  return clean(domain)
    .split(/[.-]/)
    .map(unconfuse)
    .some((label) => label === 'aws' || label.startsWith('aws') || /amazon|amzn/.test(label));
}

/** A display name that claims AWS or Amazon ("Amazon Web Services", "AWS Security", "Amaz0n"). */
export function displayNameClaimsAws(name: string): boolean {
  return /\b(aws|amazon|amzn)\b/.test(unconfuse(name).replace(/[^a-z ]+/g, ' '));
}
