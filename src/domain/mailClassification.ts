/**
 * What an incoming mail is and whether it can be trusted. Pure: takes the facts read from the mail and
 * returns a verdict. Classification goes by sender domain and content patterns, never by exact subject,
 * because AWS rewords its subjects over time.
 */

export type MailClass = 'verification' | 'password-reset' | 'mfa-recovery' | 'account-notice' | 'unrelated';

export interface MailFacts {
  /** The From address (envelope display name is ignored: it is free text). */
  fromAddress: string;
  /** All Authentication-Results header values, topmost (added last, by our own boundary) first. */
  authenticationResults: string[];
  /** Resent-From / Resent-Sender addresses: present when the copy was redirected on the way. */
  resentFrom: string[];
  text: string;
  html: string;
  /** Domains that are ours (the mailbox's, the plus address's): a redirect by them is an internal hop. */
  internalDomains: string[];
}

export type Secret = { type: 'code'; value: string } | { type: 'link'; value: string };

export interface MailVerdict {
  mailClass: MailClass;
  /** trusted: from AWS and authenticated; suspicious: posted as a warning with the secret withheld. */
  authenticity: 'trusted' | 'suspicious';
  /** Why it is suspicious (empty when trusted), in words on-call can read. */
  reasons: string[];
  /** Only ever set for trusted mails. */
  secret?: Secret;
  /** The mail came to us through a redirect (Resent-From). */
  forwarded: boolean;
}

/** AWS sends root-user mail from these domains (and their subdomains) only. */
export const AWS_SENDER_DOMAINS = ['signin.aws', 'amazon.com', 'amazonaws.com', 'aws.com'] as const;
/** Hosts an AWS link may point to. */
const AWS_LINK_DOMAINS = ['signin.aws', 'amazon.com', 'amazonaws.com', 'aws', 'aws.com'];

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** True for the domain itself or a subdomain: `verify.signin.aws` yes, `signin.aws.evil.com` no. */
export function isWithinDomains(domain: string, domains: readonly string[]): boolean {
  const d = domain.toLowerCase().replace(/\.$/, '');
  return domains.some((allowed) => d === allowed || d.endsWith(`.${allowed}`));
}

export function isAwsSender(address: string): boolean {
  return isWithinDomains(domainOf(address), AWS_SENDER_DOMAINS);
}

const LINK = /https?:\/\/[^\s"'<>)\]]+/gi;
const CODE_CONTEXT = /\b(?:verification|security|one[- ]time|confirmation)?\s*code\b/i;
/** Six letters/digits with at least one digit, so words like "AMAZON" are never taken for a code. */
const CODE_TOKEN = /\b(?=[A-Z]*\d)[A-Z0-9]{6}\b/;

interface ContentFindings {
  mailClass: MailClass;
  secret?: Secret;
}

/** The class and secret by content alone, whoever sent it. */
export function readContent(text: string, html: string): ContentFindings {
  const plain = text.trim() ? text : htmlToText(html);
  const links = [...new Set([...(plain.match(LINK) ?? []), ...(html.match(LINK) ?? [])])].map(cleanLink);
  const reset = links.find((l) => /\/resetpassword\b/i.test(l));
  if (reset) return { mailClass: 'password-reset', secret: { type: 'link', value: reset } };
  const mfa = links.find((l) => /(recover|mfa)/i.test(pathOf(l)));
  if (mfa && /multi-factor|\bMFA\b|recover/i.test(plain))
    return { mailClass: 'mfa-recovery', secret: { type: 'link', value: mfa } };
  const verifyLink = links.find((l) => /verifyemail|verify-email/i.test(l));
  if (verifyLink) return { mailClass: 'verification', secret: { type: 'link', value: verifyLink } };
  const code = findCode(plain);
  if (code) return { mailClass: 'verification', secret: { type: 'code', value: code } };
  if (
    /\bwelcome to (amazon web services|aws)\b|account is (now )?ready|ready to use|thank you for creating/i.test(
      plain,
    )
  )
    return { mailClass: 'account-notice' };
  return { mailClass: 'unrelated' };
}

function findCode(text: string): string | undefined {
  const context = CODE_CONTEXT.exec(text);
  if (!context) return undefined;
  const after = text.slice(context.index, context.index + 300);
  return CODE_TOKEN.exec(after)?.[0];
}

/**
 * Reads Authentication-Results (RFC 8601). Only the topmost header is believed: it is the one our own
 * boundary added last; anything below it may have been written by the sender.
 */
export function authenticationProblems(header: string | undefined, fromDomain: string): string[] {
  if (!header) return ['no Authentication-Results header: SPF and DKIM cannot be checked'];
  const value = header.replace(/\s+/g, ' ');
  const result = (method: string) =>
    new RegExp(`(?:^|[;\\s])${method}=([a-z]+)`, 'i').exec(value)?.[1]?.toLowerCase();
  const problems: string[] = [];
  const spf = result('spf');
  const dkim = result('dkim');
  const dmarc = result('dmarc');
  if (spf !== 'pass') problems.push(`SPF ${spf ?? 'missing'}`);
  if (dkim !== 'pass') problems.push(`DKIM ${dkim ?? 'missing'}`);
  if (dmarc !== undefined && dmarc !== 'pass') problems.push(`DMARC ${dmarc}`);
  const dkimDomain = /header\.d=([^\s;]+)/i.exec(value)?.[1];
  if (dkim === 'pass' && dkimDomain && !isWithinDomains(dkimDomain, AWS_SENDER_DOMAINS))
    problems.push(`DKIM signed by ${dkimDomain}, not by AWS`);
  const headerFrom = /header\.from=([^\s;]+)/i.exec(value)?.[1];
  if (headerFrom && headerFrom.toLowerCase() !== fromDomain)
    problems.push(`the checks were made for ${headerFrom}, not for ${fromDomain}`);
  return problems;
}

/**
 * The verdict. A mail is trusted only when it comes from an AWS domain and the topmost
 * Authentication-Results show SPF and DKIM pass (and DMARC pass when present) for it.
 *
 * Forwarded copies (Resent-From present): trusted only when the redirect was made by one of our own
 * domains and the topmost Authentication-Results still are those of the AWS hop (Exchange keeps them on
 * an intra-organisation redirect). A copy forwarded from elsewhere, or one whose top results describe the
 * forwarder, is suspicious: we cannot tell which lower header our boundary wrote, so we believe none.
 */
export function classifyMail(facts: MailFacts): MailVerdict {
  const content = readContent(facts.text, facts.html);
  const fromDomain = domainOf(facts.fromAddress);
  const forwarded = facts.resentFrom.length > 0;
  const reasons: string[] = [];
  const fromAws = isWithinDomains(fromDomain, AWS_SENDER_DOMAINS);
  if (!fromAws) reasons.push(`sender domain ${fromDomain || '(none)'} is not an AWS domain`);
  else reasons.push(...authenticationProblems(facts.authenticationResults[0], fromDomain));
  for (const resender of facts.resentFrom) {
    if (!isWithinDomains(domainOf(resender), facts.internalDomains))
      reasons.push(`forwarded by ${domainOf(resender)}, which is not one of our domains`);
  }

  const claimsAws = fromAws || looksLikeAws(fromDomain);
  if (content.mailClass === 'unrelated' && !claimsAws) {
    // Someone else's mail (a newsletter…): nothing to withhold, nothing to warn about.
    return { mailClass: 'unrelated', authenticity: 'trusted', reasons: [], forwarded };
  }
  if (reasons.length > 0) {
    return { mailClass: content.mailClass, authenticity: 'suspicious', reasons, forwarded };
  }
  const secret = content.secret && isAwsLink(content.secret) ? content.secret : undefined;
  if (content.secret && !secret) {
    return {
      mailClass: content.mailClass,
      authenticity: 'suspicious',
      reasons: ['the link points outside AWS'],
      forwarded,
    };
  }
  return { mailClass: content.mailClass, authenticity: 'trusted', reasons: [], secret, forwarded };
}

function looksLikeAws(domain: string): boolean {
  return /aws|amazon/i.test(domain);
}

function isAwsLink(secret: Secret): boolean {
  if (secret.type === 'code') return true;
  try {
    const url = new URL(secret.value);
    return url.protocol === 'https:' && isWithinDomains(url.hostname, AWS_LINK_DOMAINS);
  } catch {
    return false;
  }
}

function pathOf(link: string): string {
  try {
    const url = new URL(link);
    return `${url.hostname}${url.pathname}`;
  } catch {
    return link;
  }
}

function cleanLink(link: string): string {
  return link.replace(/&amp;/g, '&').replace(/[.,;]+$/, '');
}

/** Enough of HTML to text for pattern matching: tags out, entities for the few characters that matter. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/p>|<\/div>|<\/tr>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/[ \t]+/g, ' ');
}
