/**
 * What /api/v1 answers, as types and the functions that build them: automation and the tab read the same
 * JSON (the tab imports these types, type-only, so this file imports nothing but src/domain). Storage
 * internals and Teams plumbing never leave here.
 */
import type { AddressRecord } from '../domain/addressRecords';
import type { AddressRequest } from '../domain/addressRequests';
import type { AuditEvent } from '../domain/audit';
import { describeEvent, timeForReader } from '../domain/auditWording';
import { mayChangeAddress, Principal } from '../domain/permissions';
import type { PoolForecast, PoolLevelsDay } from '../domain/poolForecast';
import type { PoolStatus } from '../domain/pool';
import { describeRootPosture, hasRootCredentials, maskKeyId, RootPosture } from '../domain/rootPosture';

/**
 * The record's AWS account's root user as the last audit found it: what there is, in words too. Key ids are
 * shortened and MFA devices and certificates counted: enough to see the posture, not an inventory.
 */
export interface RootUserView {
  checkedAt?: string;
  hasCredentials: boolean;
  password: boolean;
  passwordCreatedAt?: string;
  accessKeys: { id: string; active: boolean; createdAt?: string; lastUsedAt?: string }[];
  mfaDevices: number;
  signingCertificates: number;
  summary: string;
  /** The last audit failed: why, in an admin's words. */
  problem?: string;
}

export type RecordView = Omit<AddressRecord, 'bucket'> & { rootUser?: RootUserView };

/** What the API shows of a record: everything but storage internals; its root user when audited. */
export function recordView(record: AddressRecord, rootUser?: RootPosture): RecordView {
  const { bucket, ...view } = record;
  void bucket;
  return rootUser ? { ...view, rootUser: rootUserView(rootUser) } : view;
}

export function rootUserView(p: RootPosture): RootUserView {
  const c = p.credentials;
  return {
    checkedAt: p.checkedAt,
    hasCredentials: hasRootCredentials(c),
    password: !!c?.password,
    passwordCreatedAt: c?.passwordCreatedAt,
    accessKeys: (c?.accessKeys ?? []).map((k) => ({ ...k, id: maskKeyId(k.id) })),
    mfaDevices: c?.mfaDevices.length ?? 0,
    signingCertificates: c?.signingCertificates.length ?? 0,
    summary: describeRootPosture(p) ?? '',
    problem: p.problem?.text,
  };
}

/**
 * GET /api/v1/addresses/{address}: the record, whether the caller may link, transfer or retire it, and whether
 * break-glass root access can be asked for its AWS account (AWS configured, the record assigned and linked; the
 * request itself checks who asks).
 */
export type RecordDetailView = RecordView & { mayChange: boolean; rootAccessOffered: boolean };

export function recordDetailView(
  record: AddressRecord,
  caller: Principal,
  ownerLabel: string,
  rootUser?: RootPosture,
  awsConfigured = false,
): RecordDetailView {
  return {
    ...recordView(record, rootUser),
    mayChange: record.state === 'assigned' && mayChangeAddress(caller, record, ownerLabel).allowed,
    rootAccessOffered: awsConfigured && !caller.app && record.state === 'assigned' && !!record.awsAccountId,
  };
}

/** GET /api/v1/addresses/search: one page. */
export interface RegistryPageView {
  items: RecordView[];
  offset: number;
  limit: number;
  /** Where the next page starts; absent on the last page. */
  nextOffset?: number;
}

export function registryPageView(page: {
  records: AddressRecord[];
  offset: number;
  limit: number;
  more: boolean;
}): RegistryPageView {
  return {
    items: page.records.map((r) => recordView(r)),
    offset: page.offset,
    limit: page.limit,
    ...(page.more ? { nextOffset: page.offset + page.limit } : {}),
  };
}

export type AuditEntryView = Pick<
  AuditEvent,
  'action' | 'actorId' | 'actorName' | 'at' | 'detail' | 'before' | 'after'
> & {
  /** What happened, as a sentence (the one formatter chat and the tab use too). */
  text: string;
  /** `at` in the reader's time zone (`timeZone` query), zone named; UTC where none was given. */
  when: string;
};

export function auditEntryView(event: AuditEvent, timeZone?: string): AuditEntryView {
  const { action, actorId, actorName, at, detail, before, after } = event;
  return {
    action,
    actorId,
    actorName,
    at,
    detail,
    before,
    after,
    text: describeEvent(event),
    when: timeForReader(at, timeZone),
  };
}

export type RequestView = ReturnType<typeof requestView>;

/** What the API shows of a request: its state and decision, never the Teams plumbing. */
export function requestView(request: AddressRequest) {
  return {
    requestId: request.requestId,
    state: request.state,
    accountName: request.accountName,
    environment: request.environment,
    purpose: request.purpose,
    costCentre: request.costCentre,
    requester: { id: request.requester.id, name: request.requester.name },
    approvers: request.approvers.map(({ id, name }) => ({ id, name })),
    createdAt: request.createdAt,
    expiresAt: request.expiresAt,
    /** Where the approval card went: personal chats, the approvals channel, or nowhere yet. */
    delivery: request.delivery,
    decision: request.decision && {
      outcome: request.decision.outcome,
      by: { id: request.decision.by.id, name: request.decision.by.name },
      at: request.decision.at,
      comment: request.decision.comment,
    },
    closed: request.closed && { reason: request.closed.reason, at: request.closed.at },
    address: request.address,
    failure: request.failure,
  };
}

/** GET /api/v1/me: who the API takes the caller for. */
export interface MeView {
  id: string;
  name: string;
  admin: boolean;
  kind: 'user' | 'app';
}

export function meView(caller: Principal): MeView {
  return { id: caller.id, name: caller.name, admin: caller.admin, kind: caller.app ? 'app' : 'user' };
}

/** GET /api/v1/pool/history: the kept daily levels and the pool now, with the days until empty. */
export interface PoolHistoryView {
  /** The mailbox the levels are for; absent: all mailboxes together. */
  mailbox?: string;
  days: Omit<PoolLevelsDay, 'mailboxes'>[];
  now: PoolStatus;
  forecast: PoolForecast;
}
