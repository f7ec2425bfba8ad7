import { boundaryProblems, ReceivingBoundary, TOPMOST } from './authentication';
import { CONTENT_RULES, ContentRule, MailView, ruleMatches } from './contentRules';
import { isBulk, MailFacts } from './mailFacts';
import { KIND_LABELS, MailKind, RootMailClass } from './mailKinds';
import { routingOf, RoutingRule } from './mailRouting';
import { bodyText, findCode, hostOf, linksOf } from './mailText';
import {
  awsSenderDomains,
  displayNameClaimsAws,
  domainOf,
  isWithinDomains,
  looksLikeAwsDomain,
} from './senderDomains';

export type Secret = { type: 'code'; value: string } | { type: 'link'; value: string };

/** trusted: AWS, authenticated; suspicious: claims AWS but is not proven; not-aws: makes no AWS claim. */
export type Trust = 'trusted' | 'suspicious' | 'not-aws';

export interface RootMailVerdict {
  class: RootMailClass;
  /**
   * The finer kind. For a suspicious mail: what it pretends to be. `email-change-code` is a root e-mail change
   * (console, or Account Management StartPrimaryEmailUpdate whose OTP goes to the new address).
   */
  kind: MailKind;
  /** What a person calls the kind ("Sign-up verification code"). */
  label: string;
  routing: RoutingRule;
  trust: Trust;
  /** Why the mail is not trusted, one sentence each; empty when trusted. */
  reasons: string[];
  /** Only ever set for trusted mails. */
  secret?: Secret;
  /** The type of secret a suspicious mail carried and that was withheld. */
  withheld?: Secret['type'];
  /** The mail came to us through a redirect (Resent-From). */
  forwarded: boolean;
  /** The Subject line: what the "AWS mail" card shows for mail that fits no class. */
  subject: string;
  fromDomain: string;
}

export interface ClassifyOptions {
  /** Sender domains an operator adds (e.g. amazon.co.jp). They are held to the same authentication checks. */
  extraSenderDomains?: readonly string[];
  /** Whose Authentication-Results count: Exchange Online's (the default) or the SMTP source's relay's. */
  boundary?: ReceivingBoundary;
}

interface ContentFinding {
  rule: ContentRule;
  secret?: Secret;
}

/** The first rule the content fits, with its secret. */
export function readContent(view: MailView): ContentFinding | undefined {
  let secret: Secret | undefined;
  const hasSecret = (rule: ContentRule) => {
    secret = undefined;
    if (rule.secret?.type === 'code') {
      const code = findCode(view.text);
      if (code) secret = { type: 'code', value: code };
    } else if (rule.secret?.type === 'link') {
      const pattern = rule.secret.link;
      const link = view.links.find((l) => pattern.test(hostAndPath(l)));
      if (link) secret = { type: 'link', value: link };
    }
    return secret !== undefined;
  };
  const rule = CONTENT_RULES.find((r) => ruleMatches(r, view, hasSecret));
  return rule ? { rule, secret: rule.secret ? secret : undefined } : undefined;
}

export function viewOf(facts: MailFacts): MailView {
  return {
    text: bodyText(facts.text, facts.html),
    subject: facts.subject ?? '',
    from: facts.fromAddress.toLowerCase(),
    bulk: isBulk(facts),
    links: linksOf(facts.text, facts.html),
  };
}

/**
 * What a mail is, whether it is AWS's, and where it goes. Trusted means: the From domain is one of AWS's (or one
 * an operator added), and the Authentication-Results of our own receiving boundary (Exchange Online's topmost
 * header, or the header our SMTP relay stamped with its authserv-id) prove it (DMARC pass or compauth pass,
 * with DKIM aligned to the From domain). A redirected copy is trusted only when our own domains
 * redirected it and the gateway's results for the AWS hop are still on top (Exchange keeps them on an internal
 * redirect); a copy forwarded from elsewhere is never trusted, whatever it says, because we cannot tell which
 * lower header our gateway wrote.
 */
export function classifyRootMail(facts: MailFacts, options: ClassifyOptions = {}): RootMailVerdict {
  const senders = awsSenderDomains(options.extraSenderDomains);
  const view = viewOf(facts);
  const fromDomain = facts.fromAddress.includes('@') ? domainOf(facts.fromAddress) : '';
  const fromAws = isWithinDomains(fromDomain, senders);
  const content = readContent(view);
  const base = { forwarded: facts.resentFrom.length > 0, subject: facts.subject ?? '', fromDomain };

  const reasons: string[] = [];
  if (!fromDomain) reasons.push('It has no From address');
  else if (!fromAws) reasons.push(`The sender domain ${fromDomain} is not one of AWS's domains`);
  else
    reasons.push(...boundaryProblems(facts.authenticationResults, fromDomain, options.boundary ?? TOPMOST));
  for (const resender of new Set(facts.resentFrom.map(domainOf))) {
    if (!isWithinDomains(resender, facts.internalDomains))
      reasons.push(
        `It was forwarded by ${resender}, which is not one of our domains, so it may have been changed`,
      );
  }

  if (reasons.length === 0) {
    if (!content) return verdict('aws-other', 'aws-other', 'trusted', [], base);
    const { rule, secret } = content;
    if (secret?.type === 'link' && !isAwsLink(secret.value, senders)) {
      const host = hostOf(secret.value) || secret.value;
      const why = `The ${KIND_LABELS[rule.kind].toLowerCase()} link points to ${host}, which is not an AWS address`;
      return { ...verdict('suspicious', rule.kind, 'suspicious', [why], base), withheld: 'link' };
    }
    return { ...verdict(rule.class, rule.kind, 'trusted', [], base), secret };
  }

  const claim = awsClaim(facts, view, fromDomain, fromAws, content);
  if (!claim) {
    const why = `It comes from ${fromDomain || 'an unknown sender'}, not from AWS, and does not claim to`;
    return verdict('not-aws', view.bulk ? 'newsletter' : 'other', 'not-aws', [why], base);
  }
  const all =
    claim === true ? reasons : [claim, ...reasons.filter((r) => !r.startsWith('The sender domain'))];
  return {
    ...verdict('suspicious', content?.rule.kind ?? 'aws-other', 'suspicious', all, base),
    withheld: content?.secret?.type,
  };
}

/**
 * Whether a mail that is not proven to be AWS's pretends to be: by its sender (an AWS domain that failed the
 * checks: `true`, the reasons already say it), or in words (a look-alike domain, a display name, a text written
 * like an AWS account mail to this one address). Undefined: no claim, someone else's mail.
 */
function awsClaim(
  facts: MailFacts,
  view: MailView,
  fromDomain: string,
  fromAws: boolean,
  content: ContentFinding | undefined,
): string | true | undefined {
  if (fromAws) return true;
  if (fromDomain && looksLikeAwsDomain(fromDomain))
    return `The sender domain ${fromDomain} imitates an AWS name but is not one of AWS's domains`;
  if (facts.fromName && displayNameClaimsAws(facts.fromName))
    return `The sender calls itself "${facts.fromName.trim()}" but writes from ${fromDomain || 'no address'}, which is not AWS's`;
  if (content && !view.bulk && /\bAmazon Web Services\b|\bAWS\b/.test(view.text))
    return `It reads like an AWS ${KIND_LABELS[content.rule.kind].toLowerCase()} mail but comes from ${fromDomain || 'no address'}, which is not AWS's`;
  return undefined;
}

function verdict(
  mailClass: RootMailClass,
  kind: MailKind,
  trust: Trust,
  reasons: string[],
  base: Pick<RootMailVerdict, 'forwarded' | 'subject' | 'fromDomain'>,
): RootMailVerdict {
  return {
    class: mailClass,
    kind,
    label: KIND_LABELS[kind],
    routing: routingOf(mailClass),
    trust,
    reasons,
    ...base,
  };
}

function isAwsLink(link: string, senders: readonly string[]): boolean {
  return /^https:\/\//i.test(link) && isWithinDomains(hostOf(link), senders);
}

function hostAndPath(link: string): string {
  try {
    const url = new URL(link);
    return `${url.hostname}${url.pathname}${url.search}`;
  } catch {
    return link;
  }
}
