import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The one storage port. Every document has a string `id` that is also its partition key, so every
 * read and write is a point operation; concurrency goes through etags and create-if-absent only.
 */

export type Scalar = string | number | boolean | null;

/** A filter condition: equal to a scalar, or (strings) starting with a prefix — case-sensitive, as stored. */
export type Condition = Scalar | { startsWith: string };
export type Filter = Record<string, Condition>;

export const isPrefix = (c: Condition): c is { startsWith: string } =>
  c !== null && typeof c === 'object' && typeof (c as { startsWith?: unknown }).startsWith === 'string';

/** A document as stored: the caller's fields plus its id and the etag of this version. */
export type Stored<T> = T & { id: string; _etag: string };

export interface QueryOptions {
  /** Field to order by (ascending unless `descending`). */
  orderBy?: string;
  descending?: boolean;
  limit?: number;
}

export interface DocumentStore {
  readonly kind: 'embedded' | 'cosmos';
  /** Creates the containers when absent. Safe to call more than once. */
  init(): Promise<void>;
  get<T extends object>(container: ContainerName, id: string): Promise<Stored<T> | undefined>;
  /** Create-if-absent: throws AlreadyExistsError when a document with that id exists. */
  create<T extends object>(container: ContainerName, id: string, doc: T): Promise<Stored<T>>;
  /**
   * Create-if-absent for many documents at once (pool imports): answers, in order, whether each was created
   * (false: a document with that id was already there). Each document is its own create; there is no
   * transaction across them, so a crash part-way leaves the first ones written.
   */
  createMany<T extends object>(container: ContainerName, docs: { id: string; doc: T }[]): Promise<boolean[]>;
  /** Replace only if the stored etag still matches: throws ConflictError when stale, NotFoundError when gone. */
  replace<T extends object>(container: ContainerName, id: string, doc: T, etag: string): Promise<Stored<T>>;
  /** Unconditional write; only for data with last-writer-wins semantics (bot state written with '*'). */
  upsert<T extends object>(container: ContainerName, id: string, doc: T): Promise<Stored<T>>;
  /** Delete; with an etag only if it still matches (ConflictError). Deleting a missing id is not an error. */
  delete(container: ContainerName, id: string, etag?: string): Promise<void>;
  /**
   * Equality (or prefix) filter on top-level or dotted fields, values passed as parameters, never spliced
   * into text.
   */
  query<T extends object>(
    container: ContainerName,
    filter: Filter,
    options?: QueryOptions,
  ): Promise<Stored<T>[]>;
  count(container: ContainerName, filter: Filter): Promise<number>;
  /** True when the store answers; used by /healthz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Marks the work running inside asBackgroundWork; a context, not state: nothing is ever stored in it but `true`. */
const backgroundWork = new AsyncLocalStorage<true>();

/**
 * Runs `work` (and everything it starts) as background work — upkeep jobs, pool imports, reconciliation —
 * that nobody waits for: a store may pace it so that it cannot starve the requests people wait for (Cosmos DB:
 * a share of the request units, low priority). The embedded store treats it like any other work.
 */
export function asBackgroundWork<T>(work: () => Promise<T>): Promise<T> {
  return backgroundWork.run(true, work);
}

/** Whether the caller runs inside asBackgroundWork. */
export function isBackgroundWork(): boolean {
  return backgroundWork.getStore() === true;
}

/**
 * Every container the app uses, each read and written by exactly one owner. Adding a feature's container
 * is one line here; the Cosmos adapter and infra/ create exactly these (with `/id` as partition key).
 */
export const CONTAINERS = [
  'botState', // src/storage/botStateStorage.ts (dialog state)
  'conversations', // src/app/conversations.ts
  'settings', // src/app/conversations.ts (channel roles)
  'audit', // src/app/auditLog.ts
  'alerts', // src/app/alerts.ts
  'leases', // src/app/leases.ts
  'snapshots', // src/app/statusBoard.ts
  'mailboxes', // src/app/addresses/
  'addresses', // src/app/addresses/
  'addressKeys', // src/app/addresses/ (aws:<id> and account:<name> keys, pool buckets)
  'requests', // src/app/requests/requestRepository.ts
  'requestKeys', // src/app/requests/requestRepository.ts (one open request per account name)
  'mails', // src/app/mail/mailRecords.ts
  'secrets', // src/app/mail/mailRecords.ts
  'mailTallies', // src/app/mail/mailRecords.ts (mails per day, class and destination)
  'mailBursts', // src/app/mail/onCallBurst.ts (the summary card of a burst in the on-call channel)
  'subscriptions', // src/app/mail/inboxSubscription.ts
  'reconciliation', // src/app/aws/ (reported drift findings, the last run)
  'adoptions', // src/app/aws/
  'adoptionKeys', // src/app/aws/ (one open adoption per account, alias and request → adoption)
  'rootPosture', // src/app/aws/rootPostures.ts (member accounts' root users as last audited)
  'rootAccess', // src/app/rootAccess/rootAccessRepository.ts (break-glass sessions and root credential removals)
  'rootAccessKeys', // src/app/rootAccess/rootAccessRepository.ts (one open root access per AWS account)
  'workflows', // src/app/workflows/ (the work-due index of every durable workflow, and who waits for whom)
  'pacing', // src/app/pacing/ (Teams send budgets per conversation, shared by all instances)
] as const;
export type ContainerName = (typeof CONTAINERS)[number];

/** Containers whose documents carry a `ttl` (seconds) that Cosmos DB enforces in production. */
export const TTL_CONTAINERS: readonly ContainerName[] = ['secrets'];

export class StoreError extends Error {
  constructor(
    message: string,
    readonly container: string,
    readonly id: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
/** The etag given is no longer the stored one: someone else changed the document first. */
export class ConflictError extends StoreError {}
/** A create found a document with that id already there. */
export class AlreadyExistsError extends StoreError {}
export class NotFoundError extends StoreError {}

const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Field names come from our code, but check them anyway: they are the only text put into a query. */
export function assertFieldPath(field: string): void {
  if (!FIELD_PATH.test(field)) throw new Error(`Not a valid field path: ${JSON.stringify(field)}`);
}
