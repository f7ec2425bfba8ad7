import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, StatementSync } from 'node:sqlite';
import {
  AlreadyExistsError,
  CONTAINERS,
  ConflictError,
  ContainerName,
  DocumentStore,
  NotFoundError,
  QueryOptions,
  Filter,
  isPrefix,
  Stored,
  assertFieldPath,
} from '../ports/documentStore';
import { DependencyUnavailableError } from '../ports/errors';

/**
 * Fields the owners filter and sort by, indexed so that lookups stay fast at tens of thousands of records
 * (the expression must be written exactly as the queries write it).
 */
const INDEXES: Partial<Record<ContainerName, string[][]>> = {
  addresses: [
    ['state'],
    ['state', 'address'], // the registry listed by state, in address order
    ['owner.id'],
    ['owner.upn'],
    ['ownerNameKey'],
    ['accountName'],
    ['awsAccountId'],
    ['requestId'],
    ['address'],
    ['mailbox', 'state'],
  ],
  requests: [
    ['state', 'createdAt'],
    ['workPending', 'createdAt'],
  ],
  mails: [['state', 'startedAt'], ['secretState']],
  workflows: [['kind', 'workflow', 'dueAt']],
  audit: [
    ['subject', 'at'],
    ['actorId', 'action', 'at'],
  ],
};

/**
 * The embedded store for local runs: one SQLite file (WAL) in DATA_DIR, one table per container, through
 * Node's own `node:sqlite` (no native module to compile at install). It is synchronous, so each statement is
 * atomic with respect to our event loop; the etag checks are still done inside the UPDATE's WHERE so the rule
 * reads the same as in Cosmos DB.
 */
export class SqliteDocumentStore implements DocumentStore {
  readonly kind = 'embedded' as const;
  private readonly db: DatabaseSync;
  /** Compiled statements by SQL text: compiling costs more than running a point read. */
  private readonly statements = new Map<string, StatementSync>();
  private optimizedAt = 0;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new DatabaseSync(file, { timeout: 5000 });
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  }

  /**
   * A compiled statement whose runs report a failing database (disk full, file locked, closed) as the
   * embedded store being unavailable.
   */
  private sql(text: string): {
    run(...p: SqlValue[]): { changes: number | bigint };
    get(...p: SqlValue[]): unknown;
    all(...p: SqlValue[]): unknown[];
  } {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = guarded(() => this.db.prepare(text));
      this.statements.set(text, statement);
    }
    const s = statement;
    return {
      run: (...p) => guarded(() => s.run(...p)),
      get: (...p) => guarded(() => s.get(...p)),
      all: (...p) => guarded(() => s.all(...p)),
    };
  }

  static inDirectory(dataDir: string): SqliteDocumentStore {
    return new SqliteDocumentStore(path.join(dataDir, 'rootmail.sqlite'));
  }

  async init(): Promise<void> {
    for (const name of CONTAINERS) {
      this.db.exec(
        `CREATE TABLE IF NOT EXISTS "${name}" (id TEXT PRIMARY KEY, etag TEXT NOT NULL, body TEXT NOT NULL)`,
      );
    }
    for (const [container, indexes] of Object.entries(INDEXES)) {
      for (const fields of indexes) {
        const name = `${container}_${fields.join('_').replace(/\./g, '_')}`;
        const columns = fields.map((f) => `json_extract(body, '$.${f}')`).join(', ');
        this.db.exec(`CREATE INDEX IF NOT EXISTS "${name}" ON "${container}" (${columns})`);
      }
    }
    this.keepStatisticsFresh(true);
  }

  /**
   * Statistics let SQLite pick the selective index: without them `state = 'assigned'` plus a prefix on the
   * account name walks the whole state index (60 ms at 33,000 addresses) instead of the name's (under 1 ms).
   * SQLite's advice for long-lived connections: `PRAGMA optimize` at open and about once an hour; it only
   * re-analyses tables that changed a lot, with a bounded sample, so it costs a few milliseconds.
   */
  private keepStatisticsFresh(atOpen = false): void {
    const now = Date.now();
    if (!atOpen && now - this.optimizedAt < OPTIMIZE_EVERY_MS) return;
    this.optimizedAt = now;
    guarded(() =>
      this.db.exec(`PRAGMA analysis_limit = 1000; PRAGMA ${atOpen ? 'optimize = 0x10002' : 'optimize'};`),
    );
  }

  async get<T extends object>(container: ContainerName, id: string): Promise<Stored<T> | undefined> {
    const row = this.sql(`SELECT etag, body FROM "${table(container)}" WHERE id = ?`).get(id) as
      { etag: string; body: string } | undefined;
    return row ? toStored<T>(id, row.etag, row.body) : undefined;
  }

  async create<T extends object>(container: ContainerName, id: string, doc: T): Promise<Stored<T>> {
    const etag = newEtag();
    const body = serialize(id, doc);
    const result = this.sql(
      `INSERT INTO "${table(container)}" (id, etag, body) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING`,
    ).run(id, etag, body);
    if (Number(result.changes) === 0)
      throw new AlreadyExistsError(`${container}/${id} already exists`, container, id);
    return toStored<T>(id, etag, body);
  }

  async createMany<T extends object>(
    container: ContainerName,
    docs: { id: string; doc: T }[],
  ): Promise<boolean[]> {
    const insert = this.sql(
      `INSERT INTO "${table(container)}" (id, etag, body) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING`,
    );
    // One transaction for the batch: one commit instead of one per document.
    return this.inTransaction(() =>
      docs.map(({ id, doc }) => Number(insert.run(id, newEtag(), serialize(id, doc)).changes) === 1),
    );
  }

  async replace<T extends object>(
    container: ContainerName,
    id: string,
    doc: T,
    etag: string,
  ): Promise<Stored<T>> {
    const next = newEtag();
    const body = serialize(id, doc);
    const result = this.sql(
      `UPDATE "${table(container)}" SET etag = ?, body = ? WHERE id = ? AND etag = ?`,
    ).run(next, body, id, etag);
    if (Number(result.changes) === 0) {
      const exists = this.sql(`SELECT 1 FROM "${table(container)}" WHERE id = ?`).get(id);
      if (!exists) throw new NotFoundError(`${container}/${id} does not exist`, container, id);
      throw new ConflictError(`${container}/${id} was changed by someone else`, container, id);
    }
    return toStored<T>(id, next, body);
  }

  async upsert<T extends object>(container: ContainerName, id: string, doc: T): Promise<Stored<T>> {
    const etag = newEtag();
    const body = serialize(id, doc);
    this.sql(
      `INSERT INTO "${table(container)}" (id, etag, body) VALUES (?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET etag = excluded.etag, body = excluded.body`,
    ).run(id, etag, body);
    return toStored<T>(id, etag, body);
  }

  async delete(container: ContainerName, id: string, etag?: string): Promise<void> {
    if (etag === undefined) {
      this.sql(`DELETE FROM "${table(container)}" WHERE id = ?`).run(id);
      return;
    }
    const result = this.sql(`DELETE FROM "${table(container)}" WHERE id = ? AND etag = ?`).run(id, etag);
    if (
      Number(result.changes) === 0 &&
      this.sql(`SELECT 1 FROM "${table(container)}" WHERE id = ?`).get(id)
    ) {
      throw new ConflictError(`${container}/${id} was changed by someone else`, container, id);
    }
  }

  async query<T extends object>(
    container: ContainerName,
    filter: Filter,
    options: QueryOptions = {},
  ): Promise<Stored<T>[]> {
    this.keepStatisticsFresh();
    const { where, params } = whereClause(filter);
    let sql = `SELECT id, etag, body FROM "${table(container)}"${where}`;
    if (options.orderBy) {
      assertFieldPath(options.orderBy);
      sql += ` ORDER BY json_extract(body, '$.${options.orderBy}') ${options.descending ? 'DESC' : 'ASC'}, id`;
    }
    if (options.limit !== undefined) {
      sql += ' LIMIT ?';
      params.push(Math.max(0, Math.floor(options.limit)));
    }
    const rows = this.sql(sql).all(...params) as { id: string; etag: string; body: string }[];
    return rows.map((r) => toStored<T>(r.id, r.etag, r.body));
  }

  async count(container: ContainerName, filter: Filter): Promise<number> {
    const { where, params } = whereClause(filter);
    const row = this.sql(`SELECT COUNT(1) AS n FROM "${table(container)}"${where}`).get(...params) as {
      n: number;
    };
    return row.n;
  }

  async ping(): Promise<boolean> {
    try {
      this.sql('SELECT 1').get();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }

  /** `work` as one transaction: committed when it returns, rolled back when it throws. */
  private inTransaction<T>(work: () => T): T {
    guarded(() => this.db.exec('BEGIN'));
    try {
      const result = work();
      guarded(() => this.db.exec('COMMIT'));
      return result;
    } catch (err) {
      if (this.db.isOpen && this.db.isTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }
}

type SqlValue = string | number | null;

const OPTIMIZE_EVERY_MS = 60 * 60_000;

function table(container: ContainerName): string {
  if (!(CONTAINERS as readonly string[]).includes(container))
    throw new Error(`Unknown container ${container}`);
  return container;
}

/** Highest code point: `prefix + TOP` sorts after every string that starts with `prefix`. */
const TOP = '\u{10FFFF}';

function whereClause(filter: Filter): { where: string; params: SqlValue[] } {
  const parts: string[] = [];
  const params: SqlValue[] = [];
  for (const [field, value] of Object.entries(filter)) {
    assertFieldPath(field);
    const ref = `json_extract(body, '$.${field}')`;
    if (value === null) {
      parts.push(`${ref} IS NULL`);
    } else if (isPrefix(value)) {
      // A range, so an index on the field serves it (LIKE would not, and is case-insensitive).
      parts.push(`${ref} >= ? AND ${ref} < ?`);
      params.push(value.startsWith, value.startsWith + TOP);
    } else {
      // json_extract returns 1/0 for JSON booleans.
      parts.push(`${ref} = ?`);
      params.push(typeof value === 'boolean' ? (value ? 1 : 0) : value);
    }
  }
  return { where: parts.length ? ` WHERE ${parts.join(' AND ')}` : '', params };
}

function serialize(id: string, doc: object): string {
  const { _etag, ...rest } = doc as Record<string, unknown>;
  return JSON.stringify({ ...rest, id });
}

function toStored<T>(id: string, etag: string, body: string): Stored<T> {
  return { ...(JSON.parse(body) as T), id, _etag: etag };
}

function newEtag(): string {
  return `"${randomUUID()}"`;
}

/**
 * A failing database (disk full, file locked, closed) is the embedded store being unavailable. node:sqlite
 * reports SQLite's own errors as ERR_SQLITE_ERROR with SQLite's `errstr`, and a closed database as
 * ERR_INVALID_STATE.
 */
function guarded<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    const { code, errstr } = err as { code?: unknown; errstr?: unknown };
    if (code === 'ERR_SQLITE_ERROR' || (code === 'ERR_INVALID_STATE' && /not open/i.test(String(err))))
      throw new DependencyUnavailableError('the embedded store', String(errstr ?? 'closed'), 5, {
        cause: err,
      });
    throw err;
  }
}
