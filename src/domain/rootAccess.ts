/**
 * Root access to one member account, as pure rules: a break-glass **session** (someone else approves, the
 * requester starts it when ready, password recovery is allowed while it is open, the password is removed
 * again at its end) or the **removal** of legacy root credentials (approved, then removed). Which state follows
 * which, what work each change leaves to do, and when its timer is due. No I/O; time is passed in.
 *
 *   pending ─approve→ approved (session) ─Start→ opening ─recovery allowed→ open ─done / timer→ closing → closed
 *      │          └──(removal)────────────────────────────────────────────────────────────→ closing → closed
 *      ├─reject / withdraw / no decision in time→ closed
 *   approved ─no Start in time, or withdrawn→ closed;  opening ─AWS refuses→ closed (nothing changed)
 *
 * AWS calls happen in steps (src/app/rootAccess/rootAccessWorkflow.ts); each step's outcome adds the next, so
 * they run in order on whichever instance. A session that ends while it is still opening removes whatever the
 * opening managed to create.
 */
import {
  Approvable,
  CardCopy,
  Decision,
  decisionRefusal,
  Outcome,
  Person,
  RequestContact,
} from './addressRequests';
import type { RootCredentialRemoval, RootCredentials } from './rootPosture';
import { StepBook, withSteps } from './workflowSteps';

export type RootAccessKind = 'session' | 'removal';

export type RootAccessState = 'pending' | 'approved' | 'opening' | 'open' | 'closing' | 'closed';

export type RootAccessStep =
  | 'deliver-approval'
  | 'update-cards'
  /** Session: the root user's credentials before the session (IAMAuditRootUserCredentials). */
  | 'audit-before'
  /** Session: CreateLoginProfile without a password (IAMCreateRootUserPassword). */
  | 'allow-recovery'
  /** Closing: what the root user has now, and so what to remove. */
  | 'inventory'
  /** Closing: the removal (IAMDeleteRootUserCredentials), then the posture read again. */
  | 'remove'
  /** New messages about the state reached: the requester, the approvers, on-call. */
  | 'tell';

export type ClosedOutcome =
  | 'rejected'
  | 'expired'
  | 'withdrawn'
  | 'start-expired'
  /** AWS refused to open the session (nothing was changed). */
  | 'refused-by-aws'
  /** The session ended, or the removal ran: `problem` says what could not be removed, if anything. */
  | 'done';

export interface RootAccount {
  id: string;
  /** The registry's account name (what `root-access done <name>` takes). */
  name: string;
  /** The account's name in AWS Organizations, where it differs. */
  awsName?: string;
  /** The root user's sign-in address: the registry's address linked to the account. */
  rootEmail: string;
  owner?: { id: string; name?: string };
}

export interface RootAccess extends StepBook<RootAccessStep>, Approvable {
  id: string;
  kind: RootAccessKind;
  state: RootAccessState;
  account: RootAccount;
  /** Why, in the requester's words (required for a session). */
  reason: string;
  origin: 'chat' | 'api';
  /** Where the requester asked (their chat), to answer there. */
  contact?: RequestContact;
  approverSource: 'manager' | 'approver-group';
  delivery?: 'personal' | 'channel' | 'undelivered';
  createdAt: string;
  /** Nobody decided by then: closed. */
  expiresAt: string;
  decision?: Decision;
  /** Session: Start is offered until then. */
  startBy?: string;
  startedAt?: string;
  /** Session: it closes by itself then (ROOT_ACCESS_MINUTES after Start). */
  endsAt?: string;
  openedAt?: string;
  /** How the session ended: `done` by someone (the requester, an admin), or the timer. */
  ended?: { how: 'done' | 'timer'; by?: Person; at: string };
  /** Removal: MFA devices are deactivated only when asked; the finding it answers, if any. */
  removal?: { mfa: boolean; finding?: string };
  /** The root user as last audited when it was asked for, in words (for the approver). */
  postureWhenAsked?: string;
  /** Session: the root user at Start (what the session must not leave behind is what it adds to this). */
  before?: RootCredentials;
  /** Closing: what is removed (ids), decided from what the root user has then. */
  toRemove?: RootCredentialRemoval;
  /** The root user after the removal, read in the same session. */
  after?: RootCredentials;
  closed?: { outcome: ClosedOutcome; at: string; problem?: string };
  /** Password-reset (and sign-in) mails handed to the requester while the session was open (ids only). */
  handedMails?: { mailId: string; kind: string; at: string }[];
  cardCopies: CardCopy[];
}

/** States with something still to come: one per account at a time. */
export const OPEN_ROOT_ACCESS_STATES: readonly RootAccessState[] = [
  'pending',
  'approved',
  'opening',
  'open',
  'closing',
];
export const isOpenRootAccess = (state: RootAccessState): boolean => OPEN_ROOT_ACCESS_STATES.includes(state);

/** A session in these states may have a root password: reset mails go to its requester, no finding is made. */
export const SESSION_LIVE_STATES: readonly RootAccessState[] = ['opening', 'open', 'closing'];

export const MAX_REASON_LENGTH = 500;

/** Why a reason is not good enough, in the requester's words; undefined when it is. */
export function reasonProblem(kind: RootAccessKind, reason: string): string | undefined {
  const text = reason.trim();
  if (kind === 'session' && text.length < 10)
    return 'Say why you need root access, in a few words (at least 10 characters): it goes to the approver and into the audit.';
  if (text.length > MAX_REASON_LENGTH)
    return `The reason is ${text.length} characters; keep it to ${MAX_REASON_LENGTH}.`;
  return undefined;
}

export function newRootAccess(args: {
  id: string;
  kind: RootAccessKind;
  account: RootAccount;
  reason: string;
  requester: Person;
  origin: RootAccess['origin'];
  contact?: RequestContact;
  approvers: Person[];
  approverSource: RootAccess['approverSource'];
  removal?: RootAccess['removal'];
  postureWhenAsked?: string;
  now: Date;
  expiryHours: number;
}): RootAccess {
  return {
    id: args.id,
    kind: args.kind,
    state: 'pending',
    account: args.account,
    reason: args.reason.trim(),
    requester: args.requester,
    origin: args.origin,
    contact: args.contact,
    approvers: args.approvers,
    approverSource: args.approverSource,
    createdAt: args.now.toISOString(),
    expiresAt: hoursAfter(args.now, args.expiryHours),
    ...(args.removal ? { removal: args.removal } : {}),
    ...(args.postureWhenAsked ? { postureWhenAsked: args.postureWhenAsked } : {}),
    cardCopies: [],
    steps: ['deliver-approval'],
    workPending: true,
    stepClaims: {},
  };
}

export type RootDecideResult =
  | { kind: 'decided'; access: RootAccess }
  | { kind: 'already-decided'; access: RootAccess }
  | { kind: 'refused'; reason: 'own-request' | 'not-approver' };

/**
 * One decision: the first stored wins; nobody decides their own (admins included). An approved session
 * waits for its Start until `startHours` later; an approved removal goes ahead at once.
 */
export function decideRootAccess(
  access: RootAccess,
  actor: Person,
  outcome: Outcome,
  comment: string | undefined,
  now: Date,
  startHours: number,
): RootDecideResult {
  const refusal = decisionRefusal(access, actor.id);
  if (refusal) return { kind: 'refused', reason: refusal };
  if (access.state !== 'pending') return { kind: 'already-decided', access };
  const decision: Decision = {
    outcome,
    by: { ...actor, id: actor.id.toLowerCase() },
    at: now.toISOString(),
    comment: comment?.trim().slice(0, 500) || undefined,
  };
  const decided = { ...access, decision };
  if (outcome === 'rejected')
    return { kind: 'decided', access: close(decided, 'rejected', now, undefined, 'update-cards', 'tell') };
  if (access.kind === 'removal')
    return {
      kind: 'decided',
      access: withSteps({ ...decided, state: 'closing' }, 'update-cards', 'inventory'),
    };
  return {
    kind: 'decided',
    access: withSteps(
      { ...decided, state: 'approved', startBy: hoursAfter(now, startHours) },
      'update-cards',
      'tell',
    ),
  };
}

export type StartRefusal = 'not-requester' | 'not-a-session' | 'not-approved' | 'start-expired';

/** Start, by the requester alone, while Start is offered: the session's minutes count from now. */
export function startSession(
  access: RootAccess,
  actor: Person,
  now: Date,
  minutes: number,
): { ok: true; access: RootAccess } | { ok: false; reason: StartRefusal } {
  if (access.kind !== 'session') return { ok: false, reason: 'not-a-session' };
  if (actor.id.toLowerCase() !== access.requester.id.toLowerCase())
    return { ok: false, reason: 'not-requester' };
  if (access.state !== 'approved') return { ok: false, reason: 'not-approved' };
  if (now.getTime() >= Date.parse(access.startBy ?? '')) return { ok: false, reason: 'start-expired' };
  const started: RootAccess = {
    ...access,
    state: 'opening',
    startedAt: now.toISOString(),
    endsAt: new Date(now.getTime() + minutes * 60_000).toISOString(),
  };
  return { ok: true, access: withSteps(started, 'audit-before', 'update-cards') };
}

export type EndRefusal = 'not-allowed' | 'already-ending' | 'not-a-session';

/**
 * `root-access done` or Done: before Start it withdraws (nothing was changed in AWS); once started it closes
 * the session: whatever it created is removed. The requester, or an admin (ending someone's session early).
 */
export function endSession(
  access: RootAccess,
  actor: Person & { admin?: boolean },
  now: Date,
): { ok: true; access: RootAccess } | { ok: false; reason: EndRefusal } {
  if (access.kind !== 'session') return { ok: false, reason: 'not-a-session' };
  const isRequester = actor.id.toLowerCase() === access.requester.id.toLowerCase();
  if (!isRequester && !actor.admin) return { ok: false, reason: 'not-allowed' };
  const by: Person = { id: actor.id.toLowerCase(), name: actor.name };
  switch (access.state) {
    case 'pending':
    case 'approved':
      return {
        ok: true,
        access: close(
          { ...access, ended: { how: 'done', by, at: now.toISOString() } },
          'withdrawn',
          now,
          undefined,
          'update-cards',
          'tell',
        ),
      };
    case 'opening':
    case 'open':
      return { ok: true, access: beginClosing(access, { how: 'done', by, at: now.toISOString() }) };
    default:
      return { ok: false, reason: 'already-ending' };
  }
}

function beginClosing(access: RootAccess, ended: NonNullable<RootAccess['ended']>): RootAccess {
  return withSteps({ ...access, state: 'closing', ended }, 'inventory', 'update-cards');
}

/** The timer of each state: the decision's deadline, Start's window, the session's end. */
export function rootAccessTimerAt(access: RootAccess): Date | undefined {
  switch (access.state) {
    case 'pending':
      return new Date(access.expiresAt);
    case 'approved':
      return access.startBy ? new Date(access.startBy) : undefined;
    case 'opening':
    case 'open':
      return access.endsAt ? new Date(access.endsAt) : undefined;
    default:
      return undefined;
  }
}

/** What a due timer changes: no decision in time, no Start in time, or the session's end. */
export function fireRootAccessTimer(access: RootAccess, now: Date): RootAccess | undefined {
  const at = rootAccessTimerAt(access);
  if (!at || now < at) return undefined;
  switch (access.state) {
    case 'pending':
      return close(access, 'expired', now, undefined, 'update-cards', 'tell');
    case 'approved':
      return close(access, 'start-expired', now, undefined, 'update-cards', 'tell');
    case 'opening':
    case 'open':
      return beginClosing(access, { how: 'timer', at: now.toISOString() });
    default:
      return undefined;
  }
}

/** The credentials before the session are known: password recovery is allowed next (still opening). */
export function auditedBefore(access: RootAccess, before: RootCredentials): RootAccess {
  if (access.state !== 'opening') return { ...access, before: access.before ?? before };
  return withSteps({ ...access, before }, 'allow-recovery');
}

/** CreateLoginProfile went through: the session is open (unless it was ended meanwhile). */
export function opened(access: RootAccess, now: Date): RootAccess {
  if (access.state !== 'opening') return access;
  return withSteps({ ...access, state: 'open', openedAt: now.toISOString() }, 'update-cards', 'tell');
}

/** AWS refused to open the session: closed, nothing changed (the refusal came before any change). */
export function refusedToOpen(access: RootAccess, problem: string, now: Date): RootAccess {
  if (access.state !== 'opening') return access;
  return close(access, 'refused-by-aws', now, problem, 'update-cards', 'tell');
}

/**
 * What to remove, from what the root user has now. A session removes the password, and the access keys,
 * signing certificates and MFA devices that were not there before it (so nothing the session added stays);
 * without a `before` (it ended before the first audit) only the password. A removal removes the password,
 * every access key and signing certificate, and the MFA devices only when asked.
 */
export function whatToRemove(access: RootAccess, now: RootCredentials): RootCredentialRemoval {
  if (access.kind === 'removal')
    return {
      password: now.password,
      accessKeyIds: now.accessKeys.map((k) => k.id),
      signingCertificateIds: now.signingCertificates.map((c) => c.id),
      mfaSerialNumbers: access.removal?.mfa ? now.mfaDevices.map((d) => d.serial) : [],
    };
  const before = access.before;
  const added = <T>(items: T[], known: T[] | undefined, id: (t: T) => string) =>
    before ? items.filter((i) => !known!.some((k) => id(k) === id(i))).map(id) : [];
  return {
    password: now.password,
    accessKeyIds: added(now.accessKeys, before?.accessKeys, (k) => k.id),
    signingCertificateIds: added(now.signingCertificates, before?.signingCertificates, (c) => c.id),
    mfaSerialNumbers: added(now.mfaDevices, before?.mfaDevices, (d) => d.serial),
  };
}

/** Besides the password, what a session left behind (said to the requester and on-call before removing it). */
export function addedDuringSession(removal: RootCredentialRemoval | undefined): boolean {
  return (
    !!removal &&
    removal.accessKeyIds.length + removal.signingCertificateIds.length + removal.mfaSerialNumbers.length > 0
  );
}

/** The inventory is known: the removal follows (and, for extras a session left, a word first). */
export function inventoried(access: RootAccess, toRemove: RootCredentialRemoval): RootAccess {
  if (access.state !== 'closing') return access;
  const next = { ...access, toRemove };
  return addedDuringSession(toRemove) && access.kind === 'session'
    ? withSteps(next, 'tell', 'remove')
    : withSteps(next, 'remove');
}

/** Removed (or refused, with `problem`): the root user as read afterwards, and everyone told. */
export function removed(
  access: RootAccess,
  after: RootCredentials | undefined,
  now: Date,
  problem?: string,
): RootAccess {
  if (access.state !== 'closing') return access;
  return close({ ...access, ...(after ? { after } : {}) }, 'done', now, problem, 'update-cards', 'tell');
}

/** A reset or sign-in mail went to the requester (its id only; the link is never part of a root access). */
export function handedMail(
  access: RootAccess,
  mail: { mailId: string; kind: string },
  now: Date,
): RootAccess {
  const known = access.handedMails ?? [];
  if (known.some((m) => m.mailId === mail.mailId)) return access;
  return { ...access, handedMails: [...known, { ...mail, at: now.toISOString() }] };
}

function close(
  access: RootAccess,
  outcome: ClosedOutcome,
  now: Date,
  problem: string | undefined,
  ...steps: RootAccessStep[]
): RootAccess {
  const closed = { outcome, at: now.toISOString(), ...(problem ? { problem } : {}) };
  return withSteps({ ...access, state: 'closed', closed }, ...steps);
}

function hoursAfter(now: Date, hours: number): string {
  return new Date(now.getTime() + hours * 3_600_000).toISOString();
}
