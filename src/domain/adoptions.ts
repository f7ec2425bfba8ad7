/**
 * Adopting an existing AWS account onto a managed address, as pure rules: which state follows which, what
 * work each change leaves to do, and when its timer is due. No I/O; time is passed in.
 *
 *   awaiting-approval ─request fulfilled (address)→ awaiting-code   (step start-update: StartPrimaryEmailUpdate)
 *        (a wait for the address request, declared to the workflow runner)
 *        └─request rejected / expired / cancelled / failed→ ended
 *   awaiting-code ─the code taken, AWS accepted it→ accepted ─COMPLETED→ linked
 *        ├─AWS refuses the change or the code→ ended (the alias back in quarantine)
 *        └─no code by the deadline→ ended (the alias back in quarantine)
 *
 * The one-time code itself is never part of an adoption: the relay hands it over and it is used at once.
 */
import type { AddressRequest, CardCopy, Person, RequestContact } from './addressRequests';
import type { AwsAccount } from './awsAccounts';
import { describeState } from './requestWording';
import { StepBook, withSteps } from './workflowSteps';

export type AdoptionState = 'awaiting-approval' | 'awaiting-code' | 'accepted' | 'linked' | 'ended';

export type AdoptionEnd =
  /** The address request was rejected, cancelled, expired or failed: no address, nothing to undo. */
  | 'request-closed'
  /** AWS refused StartPrimaryEmailUpdate (not the management account, trusted access off, address in use…). */
  | 'aws-refused'
  /** AWS refused the one-time code (wrong, expired, or no change waiting). */
  | 'code-rejected'
  /** No code arrived before the deadline (or AWS could not be reached to ask for one). */
  | 'code-timeout'
  /** AWS reported the change as FAILED. */
  | 'change-failed'
  /** AWS changed the root e-mail, but the registry refused the link (someone linked the account meanwhile). */
  | 'link-failed';

/**
 * Work left after a change, stored on the adoption before any side effect (like a request's steps), so a
 * crash loses nothing: each step is claimed by etag, and any instance picks up what was left.
 */
export type AdoptionStep =
  | 'start-update'
  | 'confirm'
  | 'link'
  | 'quarantine'
  | 'post-oncall'
  | 'update-cards'
  | 'tell'
  /** A code was being used when its holder stopped: AWS's status says whether it was accepted. */
  | 'recover-accept';

export interface Adoption extends StepBook<AdoptionStep> {
  adoptionId: string;
  accountId: string;
  accountName: string;
  /** The root e-mail AWS had when the adoption started. */
  previousEmail: string;
  requester: Person;
  contact?: RequestContact;
  state: AdoptionState;
  requestId: string;
  /** The managed address, once the request gave one. */
  address?: string;
  createdAt: string;
  updatedAt: string;
  /** When StartPrimaryEmailUpdate was answered, i.e. AWS mailed the code. */
  codeRequestedAt?: string;
  /** Until when the code may arrive. */
  codeDeadline?: string;
  /** How often a code was asked for (a lost code is asked for again, a few times at most). */
  codeRequests: number;
  /** The mail the code came in (its id only, never the code). */
  codeMailId?: string;
  /** A code is being used right now (the relay handed it over): no second mail takes over until `until`. */
  accepting?: { mailId: string; until: string };
  acceptedAt?: string;
  linkedAt?: string;
  ended?: { reason: AdoptionEnd; at: string; problem: string };
  cardCopies: CardCopy[];
}

/** Adoptions still waiting for something: one per account at a time. */
export const OPEN_ADOPTION_STATES: readonly AdoptionState[] = [
  'awaiting-approval',
  'awaiting-code',
  'accepted',
];
export const isOpenAdoption = (state: AdoptionState): boolean => OPEN_ADOPTION_STATES.includes(state);

/** A code lost on our side (AWS unreachable while accepting it) is asked for again this often at most. */
export const MAX_CODE_REQUESTS = 3;

export function newAdoption(args: {
  adoptionId: string;
  account: AwsAccount;
  requester: Person;
  contact?: RequestContact;
  requestId: string;
  now: Date;
}): Adoption {
  const now = args.now.toISOString();
  return {
    adoptionId: args.adoptionId,
    accountId: args.account.id,
    accountName: args.account.name,
    previousEmail: args.account.email,
    requester: args.requester,
    contact: args.contact,
    state: 'awaiting-approval',
    requestId: args.requestId,
    createdAt: now,
    updatedAt: now,
    codeRequests: 0,
    cardCopies: [],
    steps: ['post-oncall'],
    workPending: true,
    stepClaims: {},
  };
}

/** The address request an adoption waits for, while it waits. */
export function awaitedRequest(adoption: Adoption): string | undefined {
  return adoption.state === 'awaiting-approval' ? adoption.requestId : undefined;
}

/** What the adoption needs to know of its address request. */
export interface RequestOutcome {
  state: 'pending' | 'approved' | 'waiting-for-capacity' | 'fulfilled' | 'closed';
  address?: string;
  /** Why it closed, in words ("rejected by Bob Manager: …"). */
  why?: string;
}

/** The request moved on: with an address the change starts, a closed request ends the adoption. */
export function afterRequest(
  adoption: Adoption,
  request: RequestOutcome,
  now: Date,
  codeMinutes: number,
): Adoption | undefined {
  if (adoption.state !== 'awaiting-approval') return undefined;
  if (request.state === 'fulfilled' && request.address)
    return withSteps<Adoption>(
      {
        ...adoption,
        state: 'awaiting-code',
        address: request.address,
        updatedAt: now.toISOString(),
        codeDeadline: deadline(now, codeMinutes),
      },
      'start-update',
      'update-cards',
    );
  if (request.state === 'closed')
    return end(
      adoption,
      'request-closed',
      `The address request ${adoption.requestId} was ${request.why ?? 'closed'}, so the account keeps its root e-mail.`,
      now,
    );
  return undefined;
}

/** The request as the adoption sees it: waiting, fulfilled with an address, or closed (and why, in words). */
export function requestOutcome(request: AddressRequest): RequestOutcome {
  switch (request.state) {
    case 'fulfilled':
      return { state: 'fulfilled', address: request.address };
    case 'rejected':
    case 'cancelled':
    case 'expired':
    case 'failed':
      return { state: 'closed', why: describeState(request) };
    default:
      return { state: request.state };
  }
}

/** AWS answered StartPrimaryEmailUpdate: it has mailed the code to the new address. */
export function codeRequested(adoption: Adoption, now: Date, codeMinutes: number): Adoption {
  return {
    ...adoption,
    codeRequestedAt: now.toISOString(),
    codeDeadline: deadline(now, codeMinutes),
    codeRequests: adoption.codeRequests + 1,
    updatedAt: now.toISOString(),
  };
}

/**
 * A code mail for the address arrived; only an adoption waiting for one takes it. (The mail can come while
 * StartPrimaryEmailUpdate is still being answered: AWS sends it as soon as it has the request.)
 */
export function takesCode(adoption: Adoption | undefined, address: string, now: Date): adoption is Adoption {
  return (
    !!adoption &&
    adoption.state === 'awaiting-code' &&
    adoption.address === address.toLowerCase() &&
    !acceptingNow(adoption, now)
  );
}

/** How long a code being used holds the adoption; after a crash its timer has AWS's status looked at. */
export const ACCEPTING_HOLD_MS = 2 * 60_000;

export function acceptingNow(adoption: Adoption, now: Date): boolean {
  return !!adoption.accepting && Date.parse(adoption.accepting.until) > now.getTime();
}

/** Holds the adoption while the code from `mailId` is used. */
export function accepting(adoption: Adoption, mailId: string, now: Date): Adoption {
  return {
    ...adoption,
    accepting: { mailId, until: new Date(now.getTime() + ACCEPTING_HOLD_MS).toISOString() },
    codeMailId: mailId,
    updatedAt: now.toISOString(),
  };
}

/** AWS accepted the code: follow the change to COMPLETED. */
export function codeAccepted(adoption: Adoption, mailId: string, now: Date): Adoption {
  return withSteps(
    {
      ...adoption,
      accepting: undefined,
      state: 'accepted',
      codeMailId: mailId,
      acceptedAt: now.toISOString(),
      updatedAt: now.toISOString(),
    },
    'confirm',
    'update-cards',
  );
}

/**
 * The code was taken but could not be used (AWS unreachable while accepting it): ask AWS for a new one,
 * a few times at most, else give up.
 */
export function codeLost(adoption: Adoption, mailId: string, now: Date, codeMinutes: number): Adoption {
  if (adoption.codeRequests >= MAX_CODE_REQUESTS)
    return end(
      adoption,
      'code-timeout',
      `AWS could not be reached to accept the code, ${adoption.codeRequests} times; start the adoption again later.`,
      now,
    );
  return withSteps(
    {
      ...adoption,
      accepting: undefined,
      codeMailId: mailId,
      codeDeadline: deadline(now, codeMinutes),
      updatedAt: now.toISOString(),
    },
    'start-update',
  );
}

/** AWS reports the change COMPLETED: link the record. */
export function changeCompleted(adoption: Adoption): Adoption {
  return withSteps(adoption, 'link');
}

export function linked(adoption: Adoption, now: Date): Adoption {
  return withSteps(
    { ...adoption, state: 'linked', linkedAt: now.toISOString(), updatedAt: now.toISOString() },
    'update-cards',
    'tell',
  );
}

/**
 * Ends the adoption. With an address that was handed out for it, the alias goes back to quarantine: AWS may
 * have started to use it, so it must not be handed out again at once.
 */
export function end(adoption: Adoption, reason: AdoptionEnd, problem: string, now: Date): Adoption {
  if (!isOpenAdoption(adoption.state)) return adoption;
  const ended: Adoption = {
    ...adoption,
    accepting: undefined,
    state: 'ended',
    ended: { reason, at: now.toISOString(), problem },
    updatedAt: now.toISOString(),
    // Work towards the change is dropped; what tells people and undoes the allocation stays.
    steps: adoption.steps.filter((s) => s === 'post-oncall' || s === 'update-cards'),
  };
  // After a failed link the account already uses the alias: it stays assigned, for a person to link.
  return adoption.address && reason !== 'link-failed'
    ? withSteps(ended, 'quarantine', 'update-cards', 'tell')
    : withSteps(ended, 'update-cards', 'tell');
}

/**
 * When the adoption's timer is next due: while a code is being used, when that hold lapses (its holder
 * stopped: the step recover-accept asks AWS); else the deadline for the code.
 */
export function adoptionTimerAt(adoption: Adoption): Date | undefined {
  if (adoption.state !== 'awaiting-code') return undefined;
  if (adoption.accepting)
    return adoption.steps.includes('recover-accept') ? undefined : new Date(adoption.accepting.until);
  return adoption.codeDeadline ? new Date(adoption.codeDeadline) : undefined;
}

/** What a due timer changes: an interrupted code is looked into, a missed deadline ends the adoption. */
export function fireAdoptionTimer(adoption: Adoption, now: Date, codeMinutes: number): Adoption | undefined {
  if (adoption.state !== 'awaiting-code') return undefined;
  if (adoption.accepting)
    return acceptingNow(adoption, now) || adoption.steps.includes('recover-accept')
      ? undefined
      : withSteps(adoption, 'recover-accept');
  return timerDue(adoption, now) ? timedOut(adoption, now, codeMinutes) : undefined;
}

/** The code did not come in time (or AWS could not even be asked for it). */
export function timerDue(adoption: Adoption, now: Date): boolean {
  return (
    adoption.state === 'awaiting-code' &&
    !acceptingNow(adoption, now) &&
    !!adoption.codeDeadline &&
    now.getTime() >= Date.parse(adoption.codeDeadline)
  );
}

export function timedOut(adoption: Adoption, now: Date, codeMinutes: number): Adoption {
  return end(
    adoption,
    'code-timeout',
    adoption.codeRequestedAt
      ? `No code from AWS arrived at ${adoption.address} within ${codeMinutes} minutes: check that mail to the alias reaches the central mailbox, then start the adoption again.`
      : `AWS could not be reached to start the change within ${codeMinutes} minutes; start the adoption again later.`,
    now,
  );
}

// ---- the request an adoption asks for ----

/**
 * The account name for the address request, from the name AWS Organizations has ("Payments DR" →
 * `payments-dr`); `aws-<id>` when nothing usable is left of it.
 */
export function requestAccountName(account: Pick<AwsAccount, 'id' | 'name'>): string {
  const slug = account.name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return slug.length >= 3 ? slug : `aws-${account.id}`;
}

/**
 * The environment an account's name states, when the requester named none: a configured environment
 * that is a word of the name ("payments-staging" → staging, where staging is one), else the usual words
 * for the default three — only when that environment is configured. Undefined when the name says none
 * the list has: then the requester is asked to name it, never given a guess outside the list.
 */
export function guessEnvironment(name: string, environments: readonly string[]): string | undefined {
  const words = name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const named = environments.find((environment) => words.includes(environment));
  if (named) return named;
  const lowered = name.toLowerCase();
  const guesses: [RegExp, string][] = [
    [/sandbox|\bsbx\b|playground/, 'sandbox'],
    [/\b(dev|test|qa|uat|stag(e|ing)|nonprod|non-prod|preprod|int)\b/, 'nonprod'],
    [/\b(prod|production|prd|live)\b/, 'prod'],
  ];
  const guess = guesses.find(([pattern]) => pattern.test(lowered))?.[1];
  if (guess && environments.includes(guess)) return guess;
  // A name that states nothing was taken for production before ENVIRONMENTS existed; only where prod is one.
  return !guess && environments.includes('prod') ? 'prod' : undefined;
}

export function requestPurpose(account: Pick<AwsAccount, 'id' | 'name' | 'email'>): string {
  return `Adoption of existing AWS account ${account.id} (${account.name}): its root e-mail moves from ${account.email} to the new address.`;
}

/** Where an adoption stands, in words, for cards and the API. */
export function describeAdoption(adoption: Adoption): string {
  switch (adoption.state) {
    case 'awaiting-approval':
      return `Waiting for approval of the address request ${adoption.requestId}.`;
    case 'awaiting-code':
      return adoption.codeRequestedAt
        ? `AWS has mailed a one-time code to ${adoption.address}; RootMail takes it from the mailbox by itself (it is never posted).`
        : `Asking AWS to move the root e-mail to ${adoption.address}…`;
    case 'accepted':
      return `AWS accepted the code; waiting for AWS to complete the change to ${adoption.address}.`;
    case 'linked':
      return `Linked: ${adoption.address} is the root e-mail of account ${adoption.accountId} and is linked in the registry.`;
    case 'ended':
      return `Ended: ${adoption.ended?.problem ?? 'the adoption ended.'}${adoption.address && adoption.ended?.reason !== 'link-failed' ? ` ${adoption.address} goes back to quarantine.` : ''}`;
  }
}

function deadline(now: Date, minutes: number): string {
  return new Date(now.getTime() + minutes * 60_000).toISOString();
}
