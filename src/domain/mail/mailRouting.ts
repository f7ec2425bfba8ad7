import type { MailKind, RootMailClass } from './mailKinds';

/** Where each class goes. The app resolves a rule against what it knows of the owner (destinationOf). */

export type RoutingRuleId =
  | 'oncall-secret'
  | 'oncall-urgent'
  | 'owner-else-oncall'
  | 'owner-else-digest'
  | 'recorded'
  | 'oncall-warning'
  | 'oncall-aws-mail';

export interface RoutingRule {
  id: RoutingRuleId;
  /** What the on-call channel gets. */
  oncall:
    | 'masked-card'
    | 'urgent-card'
    | 'warning-card'
    | 'aws-mail-card'
    | 'card-if-no-owner'
    | 'digest-if-no-owner'
    | 'nothing';
  /** What the owner of the address gets in their chat: a note (the mail went to on-call), the mail itself, nothing. */
  owner: 'note' | 'message' | 'nothing';
  /** On-call may reveal a secret to themselves. */
  reveal: boolean;
  /** In words, for audit, status and the API. */
  description: string;
}

export const ROUTING_RULES: Record<RoutingRuleId, RoutingRule> = {
  'oncall-secret': {
    id: 'oncall-secret',
    oncall: 'masked-card',
    owner: 'note',
    reveal: true,
    description: 'masked card in the on-call channel with Reveal; the owner is told',
  },
  'oncall-urgent': {
    id: 'oncall-urgent',
    oncall: 'urgent-card',
    owner: 'note',
    reveal: false,
    description: 'urgent card in the on-call channel; the owner is told in their chat',
  },
  'owner-else-oncall': {
    id: 'owner-else-oncall',
    oncall: 'card-if-no-owner',
    owner: 'message',
    reveal: false,
    description: "the owner's chat; the on-call channel only when the owner is unknown or has left",
  },
  'owner-else-digest': {
    id: 'owner-else-digest',
    oncall: 'digest-if-no-owner',
    owner: 'message',
    reveal: false,
    description: "the owner's chat; the daily on-call digest when the owner is unknown or has left",
  },
  recorded: {
    id: 'recorded',
    oncall: 'nothing',
    owner: 'nothing',
    reveal: false,
    description: 'recorded only',
  },
  'oncall-warning': {
    id: 'oncall-warning',
    oncall: 'warning-card',
    owner: 'nothing',
    reveal: false,
    description: 'warning card in the on-call channel, any secret withheld',
  },
  'oncall-aws-mail': {
    id: 'oncall-aws-mail',
    oncall: 'aws-mail-card',
    owner: 'note',
    reveal: false,
    description: 'card "AWS mail" with its subject in the on-call channel; the owner is told',
  },
};

export const CLASS_ROUTING: Record<RootMailClass, RoutingRuleId> = {
  secret: 'oncall-secret',
  security: 'oncall-urgent',
  'account-billing': 'owner-else-oncall',
  'service-notice': 'owner-else-digest',
  noise: 'recorded',
  'not-aws': 'recorded',
  suspicious: 'oncall-warning',
  'aws-other': 'oncall-aws-mail',
};

export function routingOf(mailClass: RootMailClass): RoutingRule {
  return ROUTING_RULES[CLASS_ROUTING[mailClass]];
}

/** Where one mail ends up, once the app knows whether the address has an owner who is still here. */
export type Destination =
  | 'oncall-secret'
  | 'oncall-urgent'
  | 'owner'
  | 'oncall-if-no-owner'
  | 'digest'
  | 'recorded'
  | 'oncall-warning'
  | 'oncall-aws-mail';

/** Every destination, in the order of the rules (for documents and counts that list them). */
export const DESTINATIONS: readonly Destination[] = [
  'oncall-secret',
  'oncall-urgent',
  'owner',
  'oncall-if-no-owner',
  'digest',
  'recorded',
  'oncall-warning',
  'oncall-aws-mail',
];

export type OwnerStatus = 'known' | 'unknown' | 'left';

export function destinationOf(rule: RoutingRule, owner: OwnerStatus): Destination {
  switch (rule.id) {
    case 'owner-else-oncall':
      return owner === 'known' ? 'owner' : 'oncall-if-no-owner';
    case 'owner-else-digest':
      return owner === 'known' ? 'owner' : 'digest';
    default:
      return rule.id;
  }
}

/**
 * While a break-glass root session is live on the account an address belongs to, AWS's mails for signing in
 * as its root user — the password reset, and the sign-in code — go to the session's requester alone instead of
 * on-call: the sign-in is theirs. Only trusted mails (a look-alike keeps its warning card).
 */
export function goesToRootSession(kind: MailKind | undefined, trust: string | undefined): boolean {
  return trust === 'trusted' && (kind === 'password-reset' || kind === 'signin-code');
}
