import type * as Templating from 'adaptivecards-templating';
import { inertData, trusted, TrustedText } from './inertText';
import helpTemplate from './help.json';
import mailAlertTemplate from './mailAlert.json';
import mailBurstTemplate from './mailBurst.json';
import mailDigestTemplate from './mailDigest.json';
import mailSecretTemplate from './mailSecret.json';
import welcomeTemplate from './welcome.json';

/**
 * Cards are JSON templates in this folder, expanded with adaptivecards-templating. Each card has one
 * typed function, so callers pass exactly the data the template reads. Every string of that data is made
 * inert (src/cards/inertText.ts) unless marked `trusted`: no supplied text becomes a link or emphasis.
 */
export type AdaptiveCard = Record<string, unknown>;

/** The templating library, loaded on first use (~0.2 s that start-up does not need to spend). */
function templating(): typeof Templating {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('adaptivecards-templating') as typeof Templating;
}

export function expandCard(template: object, data: object): AdaptiveCard {
  return new (templating().Template)(template).expand({ $root: inertData(data) }) as AdaptiveCard;
}

/**
 * A template parsed once, on first use. Parsing its expressions is most of the cost of a card (~0.4 ms
 * against ~0.03 ms for expanding); the parsed template is derived from constant JSON and never changes,
 * and expand() keeps nothing from one call to the next.
 */
export function prepareCard<T extends object>(template: object): (data: T) => AdaptiveCard {
  let prepared: Templating.Template | undefined;
  return (data) => {
    prepared ??= new (templating().Template)(template);
    return prepared.expand({ $root: inertData(data) }) as AdaptiveCard;
  };
}

/**
 * A card whose data is the same for the whole run (help: the command list) expanded once per data: expanding
 * the help card was most of a `help` turn's own work. The one card is handed to every turn, frozen, so
 * nothing can change it for the others (a card is only read on its way to Teams).
 */
function expandedOnce<T>(expand: (data: T) => AdaptiveCard, keyOf: (data: T) => string) {
  let last: { key: string; card: AdaptiveCard } | undefined;
  return (data: T): AdaptiveCard => {
    const key = keyOf(data);
    if (last?.key !== key) last = { key, card: deepFreeze(expand(data)) };
    return last.card;
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export interface HelpCardData {
  commands: { usage: string; summary: string }[];
}

const expandHelpCard = prepareCard<HelpCardData>(helpTemplate);

export const helpCard = expandedOnce(
  (data: HelpCardData): AdaptiveCard => {
    // Teams renders `<address>` as an unknown HTML tag and drops it; angle quotes read the same and survive.
    // Our own text, shown as written (only the angle brackets, which Teams drops as HTML, are swapped).
    const commands = data.commands.map((c) => ({
      usage: trusted(c.usage.replace(/</g, '‹').replace(/>/g, '›')),
      summary: trusted(c.summary),
    }));
    return expandHelpCard({ commands } as never);
  },
  (data) => data.commands.map((c) => `${c.usage}\u0000${c.summary}`).join('\u0001'),
);

const expandWelcomeCard = prepareCard<{
  title: string;
  admin: boolean;
  tries: { command: TrustedText; what: TrustedText }[];
}>(welcomeTemplate);

/** The first message in a personal chat, once per person: three things to try. */
export function welcomeCard(data: { name?: string; admin: boolean }): AdaptiveCard {
  const tries = [
    ['request', 'ask for a root e-mail address for a new AWS account; I ask you for the details'],
    ['whois ‹account, address or person›', 'find an address, its AWS account and its owner'],
    ['help', 'everything else I can do'],
  ].map(([command, what]) => ({ command: trusted(command), what: trusted(what) }));
  const title = data.name ? `Welcome to RootMail, ${data.name}` : 'Welcome to RootMail';
  return expandWelcomeCard({ title, admin: data.admin, tries });
}

export function cardAttachment(card: AdaptiveCard) {
  return { contentType: 'application/vnd.microsoft.card.adaptive', content: card };
}

export interface MailAlertCardData {
  mailId: string;
  /** The banner: attention for urgent and suspicious mail, warning when on-call stands in for an owner. */
  style: 'default' | 'emphasis' | 'attention' | 'warning';
  title: string;
  titleColor: 'Default' | 'Attention' | 'Warning' | 'Good';
  /** What this card asks of its reader, in a sentence or two ('' for none). */
  lead: string;
  suspicious: boolean;
  /** Every reason a mail is not trusted, one sentence each. */
  reasons: string[];
  /** Whether a code or a link was withheld ('' when there is nothing to say). */
  withheldNote: string;
  unrouted: boolean;
  kind: string;
  accountName: string;
  awsAccountId: string;
  address: string;
  owner: string;
  from: string;
  receivedAt: string;
  /** '' hides the fact. */
  subject: string;
  /** '' hides the fact. */
  secretLabel: string;
  /** Masked, withheld or expired: never the secret itself. */
  secretShown: string;
  claimed: boolean;
  claimedBy: string;
  claimedAt: string;
  showReveal: boolean;
  showClaim: boolean;
}

/** The relay's card for one mail, in the on-call channel or an owner's chat (the secret is never in it). */
export const mailAlertCard = prepareCard<MailAlertCardData>(mailAlertTemplate);

export interface MailDigestCardData {
  /** YYYY-MM-DD (UTC). */
  day: string;
  summary: string;
  notices: { title: string; details: string }[];
  /** Notices of the day not listed (the card stays small). */
  more: number;
}

/** Once a day in the on-call channel: the service notices of the day before that had no owner to go to. */
export const mailDigestCard = prepareCard<MailDigestCardData>(mailDigestTemplate);

export interface MailBurstCardData {
  style: 'attention' | 'good';
  title: string;
  lead: string;
  facts: { title: string; value: string }[];
  /** Accounts with codes among the waiting mails ('' for none). */
  codesFor: string;
}

/** One card at the top of a burst in the on-call channel, updated in place while the mails' own cards follow. */
export const mailBurstCard = prepareCard<MailBurstCardData>(mailBurstTemplate);

export interface MailSecretCardData {
  mailId: string;
  kind: string;
  accountName: string;
  isCode: boolean;
  /** The code or the vetted AWS link, shown as it is. */
  secret: TrustedText;
  expiresAt: string;
}

/** What one on-call engineer sees after Reveal (an invoke response: only they get it). */
export const mailSecretCard = prepareCard<MailSecretCardData>(mailSecretTemplate);
