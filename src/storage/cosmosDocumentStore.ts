import { createHash } from 'node:crypto';
import {
  Container,
  CosmosClient,
  Database,
  ErrorResponse,
  JSONObject,
  PriorityLevel,
  RequestOptions,
  RetryOptions,
  SqlParameter,
} from '@azure/cosmos';
import type { TokenCredential } from '@azure/identity';
import {
  AlreadyExistsError,
  CONTAINERS,
  ConflictError,
  ContainerName,
  DocumentStore,
  NotFoundError,
  QueryOptions,
  Filter,
  isBackgroundWork,
  isPrefix,
  Stored,
  TTL_CONTAINERS,
  assertFieldPath,
} from '../ports/documentStore';
import { DependencyUnavailableError, isOutage, ThrottledError } from '../ports/errors';
import { RequestUnitBudget } from './requestUnitBudget';

export interface CosmosStoreOptions {
  endpoint: string;
  database: string;
  /** Account key; without it `credential` (managed identity in Azure) is used. */
  key?: string;
  credential?: TokenCredential;
  /** COSMOS_BACKGROUND_RU_PER_SECOND: what background work may spend; default 500. */
  backgroundRuPerSecond?: number;
}

/**
 * Requests people wait for: the SDK waits out a 429 itself (x-ms-retry-after-ms, up to 9 times), but for 10 s at
 * most — Teams gives a bot 15 s to answer, and an API caller is better told 503 with a Retry-After than kept
 * waiting; the 503 comes from asOutage below.
 */
const INTERACTIVE_RETRY: RetryOptions = {
  maxRetryAttemptCount: 9,
  fixedRetryIntervalInMilliseconds: 0, // 0: wait what Cosmos DB asks (x-ms-retry-after-ms)
  maxWaitTimeInSeconds: 10,
};
/**
 * Background work (see asBackgroundWork): the SDK does not retry it; the store waits out each 429 itself, and
 * slows the background budget down, so that throttling falls on the work nobody waits for.
 */
const BACKGROUND_RETRY: RetryOptions = { maxRetryAttemptCount: 0 };
const BACKGROUND_ATTEMPTS = 30;
const DEFAULT_BACKGROUND_RU_PER_SECOND = 500;
/** Background requests ask Cosmos DB to throttle them first (priority-based execution, where it is on). */
const LOW_PRIORITY: RequestOptions = { priorityLevel: PriorityLevel.Low };

/**
 * Azure Cosmos DB (NoSQL API) adapter. Partition key `/id` everywhere: every read and write is a point operation.
 * Two clients on one account: one for requests people wait for, one for background work, which is paced to
 * COSMOS_BACKGROUND_RU_PER_SECOND (by the charge Cosmos DB reports) and sent with low priority.
 */
export class CosmosDocumentStore implements DocumentStore {
  readonly kind = 'cosmos' as const;
  private readonly client: CosmosClient;
  private readonly database: Database;
  private readonly backgroundClient: CosmosClient;
  private readonly backgroundDatabase: Database;
  private readonly budget: RequestUnitBudget;

  constructor(private readonly options: CosmosStoreOptions) {
    if (!options.key && !options.credential)
      throw new Error('Cosmos DB needs COSMOS_KEY or a token credential');
    const connect = (retryOptions: RetryOptions) =>
      new CosmosClient({
        endpoint: options.endpoint,
        ...(options.key ? { key: options.key } : { aadCredentials: options.credential }),
        connectionPolicy: { enableEndpointDiscovery: false, retryOptions },
      });
    this.client = connect(INTERACTIVE_RETRY);
    this.database = this.client.database(options.database);
    this.backgroundClient = connect(BACKGROUND_RETRY);
    this.backgroundDatabase = this.backgroundClient.database(options.database);
    this.budget = new RequestUnitBudget(options.backgroundRuPerSecond ?? DEFAULT_BACKGROUND_RU_PER_SECOND);
  }

  async init(): Promise<void> {
    const { database } = await this.client.databases.createIfNotExists({ id: this.options.database });
    for (const id of CONTAINERS) {
      await database.containers.createIfNotExists({
        id,
        partitionKey: { paths: ['/id'] },
        ...(TTL_CONTAINERS.includes(id) ? { defaultTtl: -1 } : {}),
      });
    }
  }

  /**
   * Runs one request on the right client: at once for interactive work; for background work within the RU
   * budget, with low priority, waiting out each 429 (with jitter) and slowing the budget down.
   */
  private async request<T>(
    container: ContainerName,
    work: (container: Container, options: RequestOptions) => Promise<{ result: T; charge?: number }>,
  ): Promise<T> {
    if (!(CONTAINERS as readonly string[]).includes(container))
      throw new Error(`Unknown container ${container}`);
    if (!isBackgroundWork()) return (await work(this.database.container(container), {})).result;
    for (let attempt = 1; ; attempt++) {
      const taken = await this.budget.take();
      try {
        const { result, charge } = await work(this.backgroundDatabase.container(container), LOW_PRIORITY);
        this.budget.spent(taken, charge ?? taken);
        return result;
      } catch (err) {
        if (statusOf(err) !== 429 || attempt >= BACKGROUND_ATTEMPTS) throw err;
        this.budget.throttled();
        const asked = Number((err as { retryAfterInMs?: number }).retryAfterInMs);
        await pause((asked > 0 ? asked : 1000) * (1 + Math.random() * 0.2));
      }
    }
  }

  async get<T extends object>(container: ContainerName, id: string): Promise<Stored<T> | undefined> {
    try {
      const resource = await this.request(container, async (c, options) => {
        const response = await itemOf(c, id).read(options);
        return { result: response.resource, charge: response.requestCharge };
      });
      return resource ? clean<T>(resource) : undefined;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw asOutage(err);
    }
  }

  async create<T extends object>(container: ContainerName, id: string, doc: T): Promise<Stored<T>> {
    try {
      const resource = await this.request(container, async (c, options) => {
        const response = await c.items.create(stored(id, doc), options);
        return { result: response.resource, charge: response.requestCharge };
      });
      return clean<T>(resource!);
    } catch (err) {
      if (statusOf(err) === 409)
        throw new AlreadyExistsError(`${container}/${id} already exists`, container, id);
      throw asOutage(err);
    }
  }

  async createMany<T extends object>(
    container: ContainerName,
    docs: { id: string; doc: T }[],
  ): Promise<boolean[]> {
    const created: boolean[] = [];
    // The SDK's bulk API: one request per partition key range and 100 operations, not one per document.
    for (let start = 0; start < docs.length; start += BULK_CHUNK) {
      const chunk = docs.slice(start, start + BULK_CHUNK);
      const outcome: boolean[] = [];
      // Operations Cosmos DB throttled are sent again, alone: those it created would answer 409 a second time.
      let pending = chunk.map((_, i) => i);
      for (let round = 1; pending.length; round++) {
        const sent = pending;
        const answers = await this.request(container, async (c, options) => {
          const results = await c.items.bulk(
            sent.map((i) => ({
              operationType: 'Create' as const,
              resourceBody: stored(chunk[i].id, chunk[i].doc) as JSONObject,
            })),
            { continueOnError: true },
            options,
          );
          return { result: results, charge: results.reduce((sum, r) => sum + (r.requestCharge ?? 0), 0) };
        }).catch((err: unknown) => {
          throw asOutage(err);
        });
        pending = [];
        answers.forEach((answer, k) => {
          const i = sent[k];
          if (answer.statusCode === 201) outcome[i] = true;
          else if (answer.statusCode === 409) outcome[i] = false;
          else if (answer.statusCode === 429 && round < BACKGROUND_ATTEMPTS) pending.push(i);
          else
            throw asOutage(
              Object.assign(
                new Error(`bulk create of ${container}/${chunk[i].id} answered ${answer.statusCode}`),
                {
                  code: answer.statusCode,
                },
              ),
            );
        });
        if (pending.length) {
          if (isBackgroundWork()) this.budget.throttled();
          await pause(1000 * (1 + Math.random() * 0.2)); // a bulk answer carries no Retry-After per operation
        }
      }
      created.push(...outcome);
    }
    return created;
  }

  async replace<T extends object>(
    container: ContainerName,
    id: string,
    doc: T,
    etag: string,
  ): Promise<Stored<T>> {
    try {
      const resource = await this.request(container, async (c, options) => {
        const response = await itemOf(c, id).replace(stored(id, doc), {
          ...options,
          accessCondition: { type: 'IfMatch', condition: etag },
        });
        return { result: response.resource, charge: response.requestCharge };
      });
      return clean<T>(resource!);
    } catch (err) {
      const status = statusOf(err);
      if (status === 412)
        throw new ConflictError(`${container}/${id} was changed by someone else`, container, id);
      if (status === 404) throw new NotFoundError(`${container}/${id} does not exist`, container, id);
      throw asOutage(err);
    }
  }

  async upsert<T extends object>(container: ContainerName, id: string, doc: T): Promise<Stored<T>> {
    const resource = await this.request(container, async (c, options) => {
      const response = await c.items.upsert(stored(id, doc), options);
      return { result: response.resource, charge: response.requestCharge };
    }).catch((err: unknown) => {
      throw asOutage(err);
    });
    return clean<T>(resource!);
  }

  async delete(container: ContainerName, id: string, etag?: string): Promise<void> {
    try {
      await this.request(container, async (c, options) => {
        const response = await itemOf(c, id).delete(
          etag ? { ...options, accessCondition: { type: 'IfMatch', condition: etag } } : options,
        );
        return { result: undefined, charge: response.requestCharge };
      });
    } catch (err) {
      const status = statusOf(err);
      if (status === 404) return;
      if (status === 412)
        throw new ConflictError(`${container}/${id} was changed by someone else`, container, id);
      throw asOutage(err);
    }
  }

  async query<T extends object>(
    container: ContainerName,
    filter: Filter,
    options: QueryOptions = {},
  ): Promise<Stored<T>[]> {
    const { where, parameters } = whereClause(filter);
    const top = options.limit !== undefined ? `TOP ${Math.max(0, Math.floor(options.limit))} ` : '';
    let sql = `SELECT ${top}* FROM c${where}`;
    if (options.orderBy)
      sql += ` ORDER BY ${fieldRef(options.orderBy)} ${options.descending ? 'DESC' : 'ASC'}`;
    const resources = await this.request(container, async (c, requestOptions) => {
      const response = await c.items.query({ query: sql, parameters }, requestOptions).fetchAll();
      return { result: response.resources, charge: response.requestCharge };
    }).catch((err: unknown) => {
      throw asOutage(err);
    });
    return resources.map((r) => clean<T>(r));
  }

  async count(container: ContainerName, filter: Filter): Promise<number> {
    const { where, parameters } = whereClause(filter);
    const resources = await this.request(container, async (c, options) => {
      const response = await c.items
        .query<number>({ query: `SELECT VALUE COUNT(1) FROM c${where}`, parameters }, options)
        .fetchAll();
      return { result: response.resources, charge: response.requestCharge };
    }).catch((err: unknown) => {
      throw asOutage(err);
    });
    return resources.reduce((a, b) => a + b, 0);
  }

  async ping(): Promise<boolean> {
    try {
      await this.database.read();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.client.dispose();
    this.backgroundClient.dispose();
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function fieldRef(field: string): string {
  assertFieldPath(field);
  // Bracket notation so that field names which are SQL keywords (value, order, …) still work.
  return (
    'c' +
    field
      .split('.')
      .map((p) => `["${p}"]`)
      .join('')
  );
}

function whereClause(filter: Filter): { where: string; parameters: SqlParameter[] } {
  const parts: string[] = [];
  const parameters: SqlParameter[] = [];
  Object.entries(filter).forEach(([field, value], i) => {
    const ref = fieldRef(field);
    if (value === null) {
      parts.push(`(NOT IS_DEFINED(${ref}) OR IS_NULL(${ref}))`);
    } else if (isPrefix(value)) {
      parts.push(`STARTSWITH(${ref}, @p${i})`);
      parameters.push({ name: `@p${i}`, value: value.startsWith });
    } else {
      parts.push(`${ref} = @p${i}`);
      parameters.push({ name: `@p${i}`, value });
    }
  });
  return { where: parts.length ? ` WHERE ${parts.join(' AND ')}` : '', parameters };
}

/**
 * The port's ids are any string, and some come from outside (a Teams conversation id, an aadObjectId, a
 * request id typed in chat). Cosmos DB cannot hold every string: `/ \ ? #` break its URLs (the SDK throws on
 * them: a hostile aadObjectId reached the store that way), control characters and surrounding blanks are
 * refused, and an id is at most 1,023 bytes. Such an id is stored under a digest of itself, with the id as
 * given in ORIGINAL_ID, and read back as given: callers never see the difference, and nothing they send can
 * make the store throw. Every id Cosmos DB could hold before keeps its document. Ids that start like a digest
 * are digested too, so two ids never share a document.
 */
// Control characters are looked for on purpose: an id with one cannot be a Cosmos DB id.
// eslint-disable-next-line no-control-regex
const UNSAFE_ID = /[/\\?#\u0000-\u001f\u007f]|^\s|\s$|^~id~/;
const MAX_ID_BYTES = 1023;
const ORIGINAL_ID = 'rootmailId';

export function cosmosIdOf(id: string): string {
  return id !== '' && !UNSAFE_ID.test(id) && Buffer.byteLength(id) <= MAX_ID_BYTES
    ? id
    : `~id~${createHash('sha256').update(id).digest('hex')}`;
}

/** The item of a document, by its id as given (its Cosmos id and partition key are cosmosIdOf(id)). */
function itemOf(container: Container, id: string) {
  const cosmosId = cosmosIdOf(id);
  return container.item(cosmosId, cosmosId);
}

/** What is written for a document: its fields, its Cosmos id, and the id as given when they differ. */
function stored(id: string, doc: object): Record<string, unknown> {
  const cosmosId = cosmosIdOf(id);
  return { ...strip(doc), id: cosmosId, ...(cosmosId !== id ? { [ORIGINAL_ID]: id } : {}) };
}

/** Operations per bulk call (the service's limit per batch). */
const BULK_CHUNK = 100;

const SYSTEM_FIELDS = ['_rid', '_self', '_ts', '_attachments', '_etag', ORIGINAL_ID];

function strip(doc: object): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...(doc as Record<string, unknown>) };
  for (const f of SYSTEM_FIELDS) delete copy[f];
  return copy;
}

function clean<T>(resource: object): Stored<T> {
  const { _etag, id, [ORIGINAL_ID]: original } = resource as Record<string, string>;
  return { ...(strip(resource) as T), id: original ?? id, _etag };
}

function statusOf(err: unknown): number | undefined {
  const code = (err as ErrorResponse)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Unreachable, throttled (429), failing (5xx) or refusing our identity (401/403): Cosmos DB is unavailable. */
function asOutage(err: unknown): unknown {
  const status = statusOf(err);
  const code =
    typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined;
  if (!isOutage(typeof status === 'number' ? status : undefined, code) && status !== 401 && status !== 403)
    return err;
  const retryAfterMs = Number((err as { retryAfterInMs?: number })?.retryAfterInMs);
  const retryAfterSeconds =
    Number.isFinite(retryAfterMs) && retryAfterMs > 0 ? Math.ceil(retryAfterMs / 1000) : 10;
  // Still throttled after the SDK's retries (or a background request's own): 503 with Cosmos DB's Retry-After.
  if (status === 429)
    return new ThrottledError('Cosmos DB', '429 request rate is large', retryAfterSeconds, { cause: err });
  return new DependencyUnavailableError('Cosmos DB', `${status ?? code ?? 'no answer'}`, retryAfterSeconds, {
    cause: err,
  });
}
