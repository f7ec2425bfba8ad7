import type { DocumentStore, Stored } from '../../ports/documentStore';
import { ContendedError, writeIfUnchanged } from '../documentChanges';
import { WriteBatches } from '../writeBatches';

/** Enough shards that concurrent allocations rarely write the same one. */
export const ASSIGNED_SHARDS = 128;

interface Shard {
  /** Assigned address → the AWS account id it is linked to ('' while not linked). */
  entries: Record<string, string>;
}

interface BuiltMarker {
  at: string;
  count: number;
}

/** A change to one address's entry: its linked account id ('' = assigned, not linked), or undefined = gone. */
export type IndexChange = { address: string; accountId: string | undefined };

/**
 * Which addresses are assigned, and to which AWS account each is linked, in `addressKeys` (`assigned:<n>`,
 * one document per shard): reconciliation reads these few documents instead of one record per account or a
 * query over `addresses` (whose cost grows with the pool). An entry is written after its record changed
 * (allocated, linked, retired); reconciliation checks a slice of the entries against their records every
 * run (all of them within a day) and repairs what a crash between the two writes left behind.
 * `assigned:built` says that the index was filled from the records once (the first reconciliation after an
 * upgrade does that).
 */
export class AssignedIndex {
  /**
   * One write per shard at a time from this instance: changes that come meanwhile go together in its next
   * write (a burst of allocations: one replace for many entries, and fewer etag conflicts).
   */
  private readonly writes = new WriteBatches<number, ShardChange>((n, changes) => this.write(n, changes));
  /** Each shard as this instance last wrote it. */
  private readonly written = new Map<number, Stored<Shard>>();

  constructor(private readonly store: DocumentStore) {}

  /** An allocated address (not linked yet). */
  async add(address: string): Promise<void> {
    await this.apply([{ address, accountId: '' }], false);
  }

  async link(address: string, accountId: string): Promise<void> {
    await this.apply([{ address, accountId }], true);
  }

  async remove(address: string): Promise<void> {
    await this.apply([{ address, accountId: undefined }], true);
  }

  /** Several changes at once, one write per shard (repairs after reading the records). */
  async repair(changes: IndexChange[]): Promise<void> {
    await this.apply(changes, true);
  }

  /** Every entry, and whether the index was ever filled from the records. */
  async read(): Promise<{ entries: Map<string, string>; built: boolean }> {
    const ids = Array.from({ length: ASSIGNED_SHARDS }, (_, n) => key(n));
    const [marker, ...shards] = await Promise.all([
      this.store.get<BuiltMarker>('addressKeys', BUILT),
      ...ids.map((id) => this.store.get<Shard>('addressKeys', id)),
    ]);
    const entries = new Map<string, string>();
    for (const shard of shards)
      for (const [address, id] of Object.entries(shard?.entries ?? {})) entries.set(address, id);
    return { entries, built: !!marker };
  }

  /** Adds what is missing (entries written meanwhile stay as they are), then marks the index built. */
  async fill(records: { address: string; accountId: string }[], at: string): Promise<void> {
    await this.apply(
      records.map((r) => ({ address: r.address, accountId: r.accountId })),
      false,
    );
    await this.store.upsert<BuiltMarker>('addressKeys', BUILT, { at, count: records.length });
  }

  /** Applies the changes shard by shard; `overwrite` false only adds entries that are not there yet. */
  private async apply(changes: IndexChange[], overwrite: boolean): Promise<void> {
    const byShard = new Map<number, ShardChange[]>();
    for (const change of changes) {
      const n = shardOf(change.address);
      if (!byShard.has(n)) byShard.set(n, []);
      byShard.get(n)!.push({ ...change, overwrite });
    }
    await Promise.all([...byShard].map(([n, list]) => this.writes.add(n, list)));
  }

  /**
   * Changes one shard from the version this instance last wrote (no read first, its etag guards the replace);
   * read again when another instance wrote it since.
   */
  private async write(n: number, changes: ShardChange[]): Promise<void> {
    let current = this.written.get(n) ?? (await this.store.get<Shard>('addressKeys', key(n)));
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const next = changed(current, changes);
      if (!next) return;
      const written = await writeIfUnchanged(this.store, 'addressKeys', key(n), current, next);
      if (written) {
        this.written.set(n, written);
        return;
      }
      current = await this.store.get<Shard>('addressKeys', key(n));
    }
    this.written.delete(n);
    throw new ContendedError('addressKeys', key(n));
  }
}

/** The shard with `changes` applied; undefined when they change nothing. */
function changed(doc: Shard | undefined, changes: ShardChange[]): Shard | undefined {
  const entries = { ...(doc?.entries ?? {}) };
  let any = false;
  for (const { address, accountId, overwrite } of changes) {
    const present = Object.prototype.hasOwnProperty.call(entries, address);
    if (accountId === undefined) {
      if (present) delete entries[address];
      any ||= present;
    } else if (!present || (overwrite && entries[address] !== accountId)) {
      entries[address] = accountId;
      any = true;
    }
  }
  return any ? { entries } : undefined;
}

type ShardChange = IndexChange & { overwrite: boolean };

const BUILT = 'assigned:built';
/** Tries at one shard before giving up (as changeDocument's callers here allowed). */
const WRITE_ATTEMPTS = 50;

function key(n: number): string {
  return `assigned:${n}`;
}

/** FNV-1a of the address, so an address always lands in the same shard. */
export function shardOf(address: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < address.length; i++) {
    hash ^= address.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % ASSIGNED_SHARDS;
}
