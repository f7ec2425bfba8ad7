import { classifyRootMail, ClassifyOptions, RootMailVerdict, Secret } from './classifyRootMail';
import type { MailFacts } from './mailFacts';
import type { MailKind } from './mailKinds';

/**
 * The verdict the relay used before the classes of issue 11, kept so src/app/mail keeps working until routing is
 * wired to RootMailVerdict. Every authenticated AWS mail maps to a class the relay posts, except marketing; mail
 * that makes no AWS claim and AWS marketing map to `unrelated` (recorded, not posted), as before.
 */
export type MailClass = 'verification' | 'password-reset' | 'mfa-recovery' | 'account-notice' | 'unrelated';

export interface MailVerdict {
  mailClass: MailClass;
  /** trusted: from AWS and authenticated, or no AWS claim at all (unrelated); suspicious: posted as a warning. */
  authenticity: 'trusted' | 'suspicious';
  reasons: string[];
  /** Only ever set for trusted mails. */
  secret?: Secret;
  forwarded: boolean;
}

const LEGACY_CLASS: Partial<Record<MailKind, MailClass>> = {
  'signup-code': 'verification',
  'signin-code': 'verification',
  'email-change-code': 'verification',
  'verification-code': 'verification',
  'email-verification-link': 'verification',
  'password-reset': 'password-reset',
  'mfa-recovery': 'mfa-recovery',
  marketing: 'unrelated',
};

export function toLegacyVerdict(verdict: RootMailVerdict): MailVerdict {
  const { reasons, secret, forwarded } = verdict;
  if (verdict.trust === 'not-aws')
    return { mailClass: 'unrelated', authenticity: 'trusted', reasons: [], forwarded };
  const looksLike = LEGACY_CLASS[verdict.kind];
  if (verdict.trust === 'suspicious')
    return {
      mailClass: looksLike ?? (verdict.kind === 'aws-other' ? 'unrelated' : 'account-notice'),
      authenticity: 'suspicious',
      reasons,
      forwarded,
    };
  return {
    mailClass: looksLike ?? 'account-notice',
    authenticity: 'trusted',
    reasons: [],
    secret,
    forwarded,
  };
}

/** @deprecated Use classifyRootMail: class, kind, routing and trust. Kept for src/app/mail until it is re-wired. */
export function classifyMail(facts: MailFacts, options?: ClassifyOptions): MailVerdict {
  return toLegacyVerdict(classifyRootMail(facts, options));
}
