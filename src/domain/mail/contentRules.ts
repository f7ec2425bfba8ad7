import type { MailKind, RootMailClass } from './mailKinds';
import { ANNOUNCES_CODE } from './mailText';

/**
 * The content rules: one table, read top to bottom, first match wins. A rule matches on body phrases (never on the
 * subject alone; the subject and the sender address are extra signals at most) and, for secrets, only when the
 * secret itself is found.
 */

/** What the rules look at: prepared once per mail. */
export interface MailView {
  /** Plain part and HTML part as text. */
  text: string;
  subject: string;
  /** The From address, lower case. */
  from: string;
  /** List-Unsubscribe, List-Id or Precedence: bulk. */
  bulk: boolean;
  links: string[];
}

export interface ContentRule {
  kind: MailKind;
  class: Exclude<RootMailClass, 'not-aws' | 'suspicious' | 'aws-other'>;
  /** Body phrases that must all be found. */
  all?: RegExp[];
  /** Body phrases of which one must be found, unless the sender address speaks for the kind. */
  any: RegExp[];
  /** A From address that speaks for the kind on its own (`health@aws.com`). */
  sender?: RegExp;
  /** The subject: one more signal, and only next to `all` phrases, never on its own. */
  subject?: RegExp;
  /** Body phrases that rule the kind out. */
  unless?: RegExp[];
  /** Bulk mail: one-to-one notices are 'never' bulk; marketing is 'only' bulk. */
  bulk?: 'never' | 'only';
  /** Secrets match only when the secret is there: a code after its phrase, or a link whose host+path matches. */
  secret?: { type: 'code' } | { type: 'link'; link: RegExp };
}

const NO_ROOT_CREDENTIALS =
  /no root user credentials|without root user credentials|root user credentials (?:were|have been|are) (?:removed|deleted)|deleted the root user credentials|password recovery is (?:disabled|not available)|centrali[sz]ed root access/i;
/** A payment that did not happen: what turns a suspension or a warning into a billing matter. */
const PAYMENT =
  /past[- ]due|unpaid|overdue|outstanding (?:balance|charges|invoices?)|payment[^.\n]{0,60}(?:failed|was declined|has been declined|could not be processed|was unsuccessful|did not go through)|unable to (?:process|charge|collect)[^.\n]{0,40}payment|non-?payment/i;

export const CONTENT_RULES: readonly ContentRule[] = [
  // Secrets first: they need hard evidence (the secret itself), so they cannot be mistaken for a mere mention.
  {
    kind: 'password-reset',
    class: 'secret',
    any: [
      /reset (?:your |the )?(?:root user )?password|password (?:reset|assistance|recovery)|forgot (?:your )?password/i,
    ],
    sender: /password-reset/i,
    unless: [NO_ROOT_CREDENTIALS],
    bulk: 'never',
    secret: { type: 'link', link: /\/resetpassword\b|reset[-_]?password|password[-_]?reset/i },
  },
  {
    kind: 'mfa-recovery',
    class: 'secret',
    any: [/multi-factor|\bMFA\b|alternative factors|authentication device/i],
    sender: /recover-mfa/i,
    bulk: 'never',
    secret: { type: 'link', link: /mfa|recover/i },
  },
  {
    kind: 'email-verification-link',
    class: 'secret',
    any: [/\bverify\b|\bconfirm\b/i],
    bulk: 'never',
    secret: { type: 'link', link: /verify-?e-?mail|e-?mail-?verif/i },
  },
  {
    kind: 'email-change-code',
    class: 'secret',
    all: [ANNOUNCES_CODE],
    any: [
      /(?:chang|updat)(?:e|es|ed|ing)\s+(?:the\s+|your\s+)?(?:AWS\s+)?(?:account'?s?\s+)?(?:root(?:\s+user)?\s+|primary\s+)?e-?mail(?:\s+address)?|new\s+(?:root(?:\s+user)?\s+|primary\s+)?e-?mail\s+address|primary\s+e-?mail\s+(?:address\s+)?update|(?:Start|Accept)PrimaryEmailUpdate/i,
    ],
    bulk: 'never',
    secret: { type: 'code' },
  },
  {
    kind: 'signup-code',
    class: 'secret',
    all: [ANNOUNCES_CODE],
    any: [
      /new AWS account|account creation|creat(?:e|ing) (?:an? |your )?(?:new )?(?:AWS |Amazon Web Services )?account|sign(?:ing)?[- ]?up for (?:AWS|Amazon Web Services)/i,
    ],
    sender: /@signup\.aws$/i,
    subject: /sign[- ]?up/i,
    bulk: 'never',
    secret: { type: 'code' },
  },
  {
    kind: 'signin-code',
    class: 'secret',
    all: [ANNOUNCES_CODE],
    any: [
      /sign(?:ing)?[- ]?in\b|log(?:ging)?[- ]?in\b|verify (?:that )?it'?s (?:really )?you|verify your identity/i,
    ],
    bulk: 'never',
    secret: { type: 'code' },
  },
  {
    kind: 'verification-code',
    class: 'secret',
    any: [ANNOUNCES_CODE],
    bulk: 'never',
    secret: { type: 'code' },
  },

  // Security: someone may be in the account, or AWS is acting against it.
  {
    kind: 'root-reset-without-credentials',
    class: 'security',
    all: [/password/i],
    any: [NO_ROOT_CREDENTIALS],
  },
  {
    kind: 'compromised-credentials',
    class: 'security',
    any: [
      /\b(?:is|are|may be|might be|may still be|has been|have been) compromised\b|\bcompromised (?:account|credentials|access key|key)|exposed (?:access )?keys?\b|access key[^\n]{0,80}publicly available|unauthori[sz]ed (?:access|activity|usage|use)\b|unusual (?:activity|sign-in)|suspicious activity|AWSCompromisedKeyQuarantine/i,
    ],
  },
  {
    kind: 'abuse-report',
    class: 'security',
    any: [
      /abuse (?:report|notice|case)|AWS Trust (?:&|and) Safety|reported (?:for|as) abusive|abusive (?:activity|content|traffic|behavio)|acceptable use policy|\bDMCA\b|port scanning|denial[- ]of[- ]service|intrusion attempt/i,
    ],
    sender: /abuse|trustandsafety/i,
  },
  {
    kind: 'suspension',
    class: 'security',
    any: [
      /(?:account|services?|resources?)\s+(?:has|have)\s+been\s+suspended|\b(?:is|are)\s+(?:now\s+)?suspended|will be suspended|suspension of your (?:AWS )?account|suspend(?:ed)? your (?:AWS )?account/i,
    ],
    unless: [PAYMENT],
  },
  {
    kind: 'reinstatement',
    class: 'security',
    any: [
      /reinstated|reinstatement|(?:has|have) been (?:reactivated|restored)|suspension (?:has been )?lifted/i,
    ],
    unless: [PAYMENT],
  },

  // Service notices: AWS Health, scheduled events and lifecycle changes.
  {
    kind: 'planned-change',
    class: 'service-notice',
    any: [
      /end of (?:standard )?support|end[- ]of[- ]life|\bdeprecat(?:ed|es|ion)\b|will (?:no longer|stop) (?:be )?(?:support|available|offer)|planned (?:lifecycle|change|maintenance)|\bretire(?:s|d)? (?:on|after)\b/i,
    ],
  },
  {
    kind: 'health-event',
    class: 'service-notice',
    any: [
      /AWS Health|Health Dashboard|health event|scheduled (?:for )?(?:retirement|maintenance|reboot|stop)|instance (?:retirement|reboot|stop)\b|(?:degraded|underlying) hardware|operational issue|service event/i,
    ],
    sender: /^health@/i,
  },

  // Account and billing.
  {
    kind: 'payment-suspension',
    class: 'account-billing',
    all: [PAYMENT],
    any: [/\b(?:has been|have been|is now|are now|was|were) suspended\b/i],
  },
  {
    kind: 'payment-failed',
    class: 'account-billing',
    any: [PAYMENT],
  },
  {
    kind: 'account-closed',
    class: 'account-billing',
    any: [
      /account (?:has been |was |is )?(?:now )?closed|closure of your|post-closure period|reopen (?:your|the) account|permanently closed/i,
    ],
  },
  {
    kind: 'invoice',
    class: 'account-billing',
    any: [
      /\binvoice\b|billing statement|\bbill (?:is )?(?:now )?available|monthly (?:bill|charges)|credit memo/i,
    ],
    sender: /billing|invoice|receivables/i,
  },
  {
    kind: 'support-case',
    class: 'account-billing',
    any: [
      /support case|\bcase id\b|case (?:number|#)\s*:?\s*\d|AWS Support (?:Center|has|opened|team)|\bcorrespondence\b|\bcase\b[^.\n]{0,40}has been (?:updated|resolved|reopened)/i,
    ],
  },

  // Noise: nothing to do.
  {
    kind: 'welcome',
    class: 'noise',
    any: [/welcome to (?:amazon web services|aws)|thanks? (?:you )?for (?:creating|signing up|choosing)/i],
  },
  {
    kind: 'account-ready',
    class: 'noise',
    any: [
      /account is (?:now )?ready|ready to use|(?:is|has been) (?:now )?activated|get started now|you now have access/i,
    ],
  },
  {
    kind: 'marketing',
    class: 'noise',
    any: [
      /unsubscribe|webinar|re:Invent|summit|register|newsletter|promo|offer|event|learn more|what'?s new|announc/i,
    ],
    bulk: 'only',
  },
];

/**
 * Whether a mail fits a rule, given whether its secret could be read (decided by the caller). The body or the
 * sender address must speak for the kind; the subject only adds to a rule whose `all` phrases were found.
 */
export function ruleMatches(
  rule: ContentRule,
  view: MailView,
  hasSecret: (rule: ContentRule) => boolean,
): boolean {
  if (rule.bulk === 'never' && view.bulk) return false;
  if (rule.bulk === 'only' && !view.bulk) return false;
  if (rule.unless?.some((re) => re.test(view.text))) return false;
  if (rule.all && !rule.all.every((re) => re.test(view.text))) return false;
  const spoken = rule.any.some((re) => re.test(view.text)) || !!rule.sender?.test(view.from);
  if (!spoken && !(rule.all && rule.subject?.test(view.subject))) return false;
  return !rule.secret || hasSecret(rule);
}
