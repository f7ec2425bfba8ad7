/**
 * The address request and its approval, as pure rules: what a valid request is, who may decide it,
 * which state follows which, and when its timers are due. No I/O; time is passed in.
 *
 *   pending ─approve→ approved ─allocate→ fulfilled
 *      │                  └─pool empty→ waiting-for-capacity ─allocate→ fulfilled
 *      ├─reject→ rejected      ├─cancel→ cancelled      └─timeout→ expired
 *   approved ─address service refuses for good→ failed
 */

import { accountNameProblem } from './addressRules';
import { earliest, StepBook, StepOf, withSteps } from './workflowSteps';

export type RequestState =
  | 'pending'
  | 'approved'
  | 'waiting-for-capacity'
  | 'fulfilled'
  | 'rejected'
  | 'cancelled'
  | 'expired'
  /** Approved, but the address service refused for good (e.g. a plus address handed out before). */
  | 'failed';

/** The environments when ENVIRONMENTS is not set; operators may name others (e.g. staging). */
export const DEFAULT_ENVIRONMENTS: readonly string[] = ['prod', 'nonprod', 'sandbox'];
/** The environment a request takes when none is given: nonprod where it is configured, else the first. */
export function defaultEnvironment(environments: readonly string[]): string {
  return environments.includes('nonprod') ? 'nonprod' : environments[0];
}
/** One of the configured environments, exactly as configured (never mapped from another word). */
export type Environment = string;

/** Why `typed` is not an environment here, naming the allowed ones; undefined when it is one. */
export function environmentProblem(typed: string, environments: readonly string[]): string | undefined {
  if (environments.includes(typed.trim().toLowerCase())) return undefined;
  const shown = typed.trim().slice(0, 20);
  return `${shown ? `“${shown}” is not an environment here. ` : ''}Choose the environment: ${environments.join(', ')}.`;
}

export interface Person {
  /** Entra object id, lower case. */
  id: string;
  name: string;
  upn?: string;
  /** The Teams user id (`29:…`, the MRI cards' refresh.userIds need), once learnt from the member API. */
  teamsUserId?: string;
}

export type Outcome = 'approved' | 'rejected';

export interface Decision {
  outcome: Outcome;
  by: Person;
  at: string;
  comment?: string;
}

/**
 * Work left to do after a state change, stored on the request before any side effect so that a crash
 * loses nothing (see src/app/requests/requestWorkflow.ts).
 */
export type WorkStep =
  | 'deliver-approval'
  | 'update-cards'
  | 'allocate'
  | 'send-result'
  | 'alert-capacity'
  | 'notify-requester'
  | 'remind-approver';

/** A copy of the request's card somewhere in Teams, updated in place after a decision. */
export interface CardCopy {
  /** `channel`: the approvals channel (an adoption's: on-call); `oncall`: the on-call channel's copy. */
  audience: 'requester' | 'approver' | 'channel' | 'oncall';
  conversationId: string;
  activityId: string;
  serviceUrl: string;
}

export interface RequestInput {
  accountName: string;
  purpose?: string;
  environment: Environment;
  costCentre?: string;
  /** The existing AWS account an adoption asks this address for (its root e-mail moves to it). */
  adoptsAccountId?: string;
}

export interface AddressRequest extends RequestInput, StepBook<WorkStep> {
  requestId: string;
  requester: Person;
  origin: 'chat' | 'api';
  /** Where the requester can be answered: their tenant, Teams serviceUrl and conversation reference. */
  contact?: RequestContact;
  approvers: Person[];
  approverSource: 'manager' | 'approver-group';
  state: RequestState;
  createdAt: string;
  remindAt: string;
  expiresAt: string;
  remindedAt?: string;
  decision?: Decision;
  /** Who ended the request when not a decision (cancel, expiry). */
  closed?: { by: Person; at: string; reason: 'cancelled' | 'expired' };
  address?: string;
  /** Why allocation failed for good (state `failed`). */
  failure?: string;
  /** Where the approval card went: the approvers' personal chats, the approvals channel, or nowhere. */
  delivery?: 'personal' | 'channel' | 'undelivered';
  cardCopies: CardCopy[];
}

export interface RequestContact {
  tenantId?: string;
  serviceUrl?: string;
  conversation?: Record<string, unknown>;
}

export const OPEN_STATES: readonly RequestState[] = ['pending', 'approved', 'waiting-for-capacity'];
export const isOpen = (state: RequestState): boolean => OPEN_STATES.includes(state);

export type InputField = 'accountName' | 'purpose' | 'environment' | 'costCentre';
export type InputErrors = Partial<Record<InputField, string>>;

const COST_CENTRE = /^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,29}$/;

/** Checks what a requester typed or filled in; every problem names the field and what to change. */
export function validateRequestInput(
  raw: {
    accountName?: unknown;
    purpose?: unknown;
    environment?: unknown;
    costCentre?: unknown;
  },
  environments: readonly string[] = DEFAULT_ENVIRONMENTS,
): { ok: true; value: RequestInput } | { ok: false; errors: InputErrors } {
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const accountName = text(raw.accountName).toLowerCase();
  const purpose = text(raw.purpose);
  const environment = text(raw.environment).toLowerCase();
  const costCentre = text(raw.costCentre);
  const errors: InputErrors = {};
  if (!accountName) errors.accountName = 'Give the AWS account a name, e.g. payments-prod.';
  else if (accountNameProblem(accountName)) errors.accountName = accountNameProblem(accountName);
  if (purpose.length > 500) errors.purpose = `The purpose is ${purpose.length} characters; keep it to 500.`;
  const environmentWrong = environmentProblem(environment, environments);
  if (environmentWrong) errors.environment = environmentWrong;
  if (costCentre && !COST_CENTRE.test(costCentre))
    errors.costCentre = 'A cost centre is up to 30 letters, digits, spaces or . _ / - characters.';
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      accountName,
      purpose: purpose || undefined,
      environment: environment as Environment,
      costCentre: costCentre || undefined,
    },
  };
}

/**
 * Who approves: the manager when the directory has one, else the approver group. The requester never
 * approves their own request; when that leaves nobody, the answer says why.
 */
export function chooseApprovers(
  requesterId: string,
  manager: Person | undefined,
  approverGroup: Person[],
  /** The directory could not be asked (as opposed to: it has no manager for the requester). */
  managerUnknown = false,
): { approvers: Person[]; source: AddressRequest['approverSource'] } | { refusal: string } {
  const requester = requesterId.toLowerCase();
  if (manager && manager.id.toLowerCase() !== requester) return { approvers: [manager], source: 'manager' };
  const others = approverGroup.filter((p) => p.id.toLowerCase() !== requester);
  if (others.length) return { approvers: others, source: 'approver-group' };
  const why = manager
    ? 'the directory names you as your own manager'
    : managerUnknown
      ? 'the directory could not be asked for your manager just now'
      : 'the directory has no manager for you';
  return {
    refusal:
      approverGroup.length > 0
        ? `Nobody else can approve this request: ${why}, and you are the only approver in APPROVER_IDS. Ask an admin to add another approver.`
        : `Nobody can approve this request: ${why}, and no approvers are configured (APPROVER_IDS). Ask an admin to set a manager for you in Entra ID or to add approvers.`,
  };
}

export function newRequest(args: {
  requestId: string;
  input: RequestInput;
  requester: Person;
  origin: AddressRequest['origin'];
  contact?: RequestContact;
  approvers: Person[];
  approverSource: AddressRequest['approverSource'];
  now: Date;
  reminderHours: number;
  expiryHours: number;
}): AddressRequest {
  const at = (hours: number) => new Date(args.now.getTime() + hours * 3_600_000).toISOString();
  return {
    ...args.input,
    requestId: args.requestId,
    requester: args.requester,
    origin: args.origin,
    contact: args.contact,
    approvers: args.approvers,
    approverSource: args.approverSource,
    state: 'pending',
    createdAt: args.now.toISOString(),
    remindAt: at(args.reminderHours),
    expiresAt: at(args.expiryHours),
    cardCopies: [],
    steps: ['deliver-approval'],
    workPending: true,
    stepClaims: {},
  };
}

/** Anything decided on an approval card: who asked, and who may decide (a request, a root access). */
export interface Approvable {
  requester: Person;
  approvers: Person[];
}

export const isApprover = (subject: Pick<Approvable, 'approvers'>, userId: string): boolean =>
  subject.approvers.some((p) => p.id === userId.toLowerCase());

/** Why `actorId` may not decide: nobody decides what they asked for, and only its approvers decide. */
export function decisionRefusal(
  subject: Approvable,
  actorId: string,
): 'own-request' | 'not-approver' | undefined {
  const actor = actorId.toLowerCase();
  if (actor === subject.requester.id.toLowerCase()) return 'own-request';
  return isApprover(subject, actor) ? undefined : 'not-approver';
}

/**
 * An approval card that reached nobody goes out again: the same subject with its delivery step queued, or
 * undefined when it is no longer pending, was delivered meanwhile, or is already queued.
 */
export function withApprovalRedelivery<D extends ApprovalDelivery>(latest: D): D | undefined {
  return latest.state === 'pending' &&
    latest.delivery === 'undelivered' &&
    !latest.steps.includes('deliver-approval')
    ? withSteps(latest, 'deliver-approval' as StepOf<D>)
    : undefined;
}

/** What a subject approved on cards keeps about delivering its approval card. */
interface ApprovalDelivery extends StepBook<string> {
  state: string;
  delivery?: 'personal' | 'channel' | 'undelivered';
}

export type DecideResult =
  | { kind: 'decided'; request: AddressRequest }
  | { kind: 'already-decided'; request: AddressRequest }
  | { kind: 'refused'; reason: 'own-request' | 'not-approver' };

/** One decision per request: the first one stored wins, every later click learns who decided. */
export function decide(
  request: AddressRequest,
  actor: Person,
  outcome: Outcome,
  comment: string | undefined,
  now: Date,
): DecideResult {
  const actorId = actor.id.toLowerCase();
  const refusal = decisionRefusal(request, actorId);
  if (refusal) return { kind: 'refused', reason: refusal };
  if (request.state !== 'pending') return { kind: 'already-decided', request };
  const trimmed = comment?.trim().slice(0, 500) || undefined;
  const decided: AddressRequest = {
    ...request,
    state: outcome === 'approved' ? 'approved' : 'rejected',
    decision: { outcome, by: { ...actor, id: actorId }, at: now.toISOString(), comment: trimmed },
  };
  return {
    kind: 'decided',
    request: withSteps(
      decided,
      ...(outcome === 'approved'
        ? (['update-cards', 'allocate'] as const)
        : (['update-cards', 'notify-requester'] as const)),
    ),
  };
}

export type CancelRefusal = 'not-requester' | 'not-pending';

/** The requester (only) may withdraw a request nobody has decided yet. */
export function cancel(
  request: AddressRequest,
  actor: Person,
  now: Date,
): { ok: true; request: AddressRequest } | { ok: false; reason: CancelRefusal } {
  if (actor.id.toLowerCase() !== request.requester.id) return { ok: false, reason: 'not-requester' };
  if (request.state !== 'pending') return { ok: false, reason: 'not-pending' };
  return {
    ok: true,
    request: withSteps(
      { ...request, state: 'cancelled', closed: { by: actor, at: now.toISOString(), reason: 'cancelled' } },
      'update-cards',
    ),
  };
}

export type TimerDue = 'expire' | 'remind' | undefined;

export function timerDue(request: AddressRequest, now: Date): TimerDue {
  if (request.state !== 'pending') return undefined;
  if (now.getTime() >= Date.parse(request.expiresAt)) return 'expire';
  if (!request.remindedAt && now.getTime() >= Date.parse(request.remindAt)) return 'remind';
  return undefined;
}

/** When the request's timer (the reminder, then the expiry) is next due; none once it is decided. */
export function requestTimerAt(request: AddressRequest): Date | undefined {
  if (request.state !== 'pending') return undefined;
  const expires = new Date(request.expiresAt);
  return request.remindedAt ? expires : earliest(new Date(request.remindAt), expires);
}

/** What a due timer changes: the reminder, or the expiry; undefined when none is due. */
export function fireTimer(request: AddressRequest, now: Date): AddressRequest | undefined {
  const due = timerDue(request, now);
  return due === 'expire' ? expire(request, now) : due === 'remind' ? markReminded(request, now) : undefined;
}

export function expire(request: AddressRequest, now: Date): AddressRequest {
  const system: Person = { id: 'system', name: 'RootMail' };
  return withSteps(
    { ...request, state: 'expired', closed: { by: system, at: now.toISOString(), reason: 'expired' } },
    'update-cards',
    'notify-requester',
  );
}

export function markReminded(request: AddressRequest, now: Date): AddressRequest {
  return withSteps({ ...request, remindedAt: now.toISOString() }, 'remind-approver');
}

export function fulfil(request: AddressRequest, address: string): AddressRequest {
  return withSteps({ ...request, state: 'fulfilled', address }, 'send-result');
}

export function failAllocation(request: AddressRequest, problem: string): AddressRequest {
  return withSteps({ ...request, state: 'failed', failure: problem }, 'update-cards', 'notify-requester');
}

export function awaitCapacity(request: AddressRequest): AddressRequest {
  return request.state === 'waiting-for-capacity'
    ? request
    : withSteps({ ...request, state: 'waiting-for-capacity' }, 'alert-capacity', 'notify-requester');
}
