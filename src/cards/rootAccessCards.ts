import type { RootAccess } from '../domain/rootAccess';
import {
  accountLabel,
  describeRootAccess,
  rootAccessTitle,
  signInSteps,
  whatHappens,
} from '../domain/rootAccessWording';
import { describeRootCredentials } from '../domain/rootPosture';
import { formatTime } from '../domain/timeWording';
import { AdaptiveCard, prepareCard } from './cardTemplates';
import { inertText, trusted, TrustedText } from './inertText';
import { MAX_REFRESH_USERS } from './requestCards';
import rootAccessTemplate from './rootAccess.json';

/** ROOT_ACCESS_MINUTES and ROOT_ACCESS_START_HOURS, as the cards promise them. */
export interface RootAccessSettings {
  minutes: number;
  startHours: number;
}

/**
 * Who looks at the card: an approver deciding (comment box, Approve / Reject), anyone on a shared copy
 * (status; Approve / Reject while pending, the server decides who may), the requester (Start, Done, what to
 * do), on-call (what is going on, and End for admins).
 */
export type RootAccessView = 'approver' | 'status' | 'requester' | 'oncall';

type Fact = { title: string; value: string };
type Color = 'Default' | 'Good' | 'Warning' | 'Attention' | 'Accent';

interface RootAccessCardData {
  accessId: string;
  title: string;
  titleColor: Color;
  status: string;
  statusColor: Color;
  note: string;
  noteColor: Color;
  steps: { text: TrustedText | string }[];
  facts: Fact[];
  lead: string;
  showComment: boolean;
  decidable: boolean;
  startable: boolean;
  doneable: boolean;
  doneTitle: string;
  approverNames: string;
  refreshUserIds: string[];
}

const expand = prepareCard<RootAccessCardData>(rootAccessTemplate);

/** A root access (break-glass session or removal) as one of its readers sees it, in its current state. */
export function rootAccessCard(
  access: RootAccess,
  view: RootAccessView,
  settings: RootAccessSettings,
  note = '',
  noteColor: Color = 'Default',
  /** The sign-in steps (open, requester): on the newest of the requester's copies only. */
  { steps = true }: { steps?: boolean } = {},
): AdaptiveCard {
  const pending = access.state === 'pending';
  const deciding = view === 'approver' && pending;
  const session = access.kind === 'session';
  const live = access.state === 'opening' || access.state === 'open';
  const card = expand({
    accessId: access.id,
    title: rootAccessTitle(access, deciding),
    titleColor: live ? 'Warning' : 'Default',
    status: deciding ? `For you to decide by ${formatTime(access.expiresAt)}` : describeRootAccess(access),
    statusColor: statusColor(access),
    note,
    noteColor,
    // Our own words with the sign-in URL, which must stay a link; the supplied parts in them made inert first.
    steps:
      view === 'requester' && access.state === 'open' && steps
        ? signInSteps({
            ...access,
            account: {
              ...access.account,
              name: inertText(access.account.name, 60),
              rootEmail: inertText(access.account.rootEmail, 80),
            },
          }).map((text, i) => ({ text: trusted(`${i + 1}. ${text}`) }))
        : [],
    facts: factsOf(access, settings),
    lead: deciding ? whatHappens(access, settings.minutes, settings.startHours) : '',
    showComment: deciding,
    decidable: pending && (view === 'approver' || view === 'status'),
    startable: view === 'requester' && session && access.state === 'approved',
    doneable:
      session &&
      ((view === 'requester' && (pending || access.state === 'approved' || live)) ||
        (view === 'oncall' && live)),
    doneTitle:
      view === 'oncall' ? 'End the session now (admins)' : live ? 'Done: close the session' : 'Withdraw',
    approverNames: access.approvers.map((p) => p.name).join(' or '),
    // Teams matches refresh.userIds against user MRIs; the Entra id stands in until the MRI is known.
    refreshUserIds: pending
      ? access.approvers.slice(0, MAX_REFRESH_USERS).map((p) => p.teamsUserId ?? p.id)
      : [],
  });
  if (card.refresh === null) delete card.refresh; // `$when` leaves null behind
  if (Array.isArray(card.actions) && card.actions.length === 0) delete card.actions;
  return card;
}

/** The Universal Actions view for one user: approvers of a pending access decide, everyone else reads. */
export function rootAccessCardFor(
  access: RootAccess,
  userId: string,
  settings: RootAccessSettings,
  note = '',
): AdaptiveCard {
  const id = userId.toLowerCase();
  const view: RootAccessView =
    access.state === 'pending' && access.approvers.some((p) => p.id === id)
      ? 'approver'
      : access.requester.id === id
        ? 'requester'
        : 'status';
  return rootAccessCard(access, view, settings, note);
}

function statusColor(access: RootAccess): Color {
  switch (access.state) {
    case 'pending':
      return 'Default';
    case 'approved':
      return 'Good';
    case 'opening':
    case 'open':
    case 'closing':
      return 'Warning';
    case 'closed':
      return access.closed?.outcome === 'done' && !access.closed.problem ? 'Good' : 'Attention';
  }
}

function factsOf(access: RootAccess, settings: RootAccessSettings): Fact[] {
  const facts: [string, string | undefined][] = [
    ['Asked by', access.requester.name],
    ['Reason', access.reason || undefined],
    [
      'AWS account',
      `${accountLabel(access)}${access.account.awsName && access.account.awsName !== access.account.name ? `, “${access.account.awsName}” in AWS` : ''}`,
    ],
    ['Root address', access.account.rootEmail],
    ['Account owner', access.account.owner?.name ?? access.account.owner?.id],
    ['Root user when asked', access.postureWhenAsked ?? (access.before ? undefined : 'not audited yet')],
    [
      'Approved by',
      access.decision?.outcome === 'approved'
        ? `${access.decision.by.name}, ${formatTime(access.decision.at)}${access.decision.comment ? `: “${access.decision.comment}”` : ''}`
        : undefined,
    ],
    ['Root user at Start', access.before && describeRootCredentials(access.before)],
    ['Root user now', access.after && describeRootCredentials(access.after)],
    access.kind === 'session'
      ? [
          'Session',
          `${settings.minutes} minutes from Start; Start within ${settings.startHours} hours of approval`,
        ]
      : [
          'To remove',
          `access keys, signing certificates, the password${access.removal?.mfa ? ', MFA devices' : '; MFA devices stay'}`,
        ],
    ['Start by', access.state === 'approved' ? formatTime(access.startBy) : undefined],
    [
      'Ends at',
      access.state === 'opening' || access.state === 'open' ? formatTime(access.endsAt) : undefined,
    ],
    [
      'Reset mails handed over',
      access.handedMails?.length
        ? `${access.handedMails.length}, to ${access.requester.name} only`
        : undefined,
    ],
    ['Root access', `${access.id}, asked ${formatTime(access.createdAt)}`],
  ];
  return facts.filter((f): f is [string, string] => !!f[1]).map(([title, value]) => ({ title, value }));
}
