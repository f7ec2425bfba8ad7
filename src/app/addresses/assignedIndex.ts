import type { DocumentStore } from '../../ports/documentStore';
import { changeDocument } from '../documentChanges';

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
    const byShard = new Map<number, IndexChange[]>();
    for (const change of changes) {
      const n = shardOf(change.address);
      if (!byShard.has(n)) byShard.set(n, []);
      byShard.get(n)!.push(change);
    }
    await Promise.all(
      [...byShard].map(([n, list]) =>
        changeDocument<Shard>(
          this.store,
          'addressKeys',
          key(n),
          (doc) => {
            const entries = { ...(doc?.entries ?? {}) };
            let changed = false;
            for (const { address, accountId } of list) {
              const present = Object.prototype.hasOwnProperty.call(entries, address);
              if (accountId === undefined) {
                if (present) delete entries[address];
                changed ||= present;
              } else if (!present || (overwrite && entries[address] !== accountId)) {
                entries[address] = accountId;
                changed = true;
              }
            }
            return changed ? { entries } : undefined;
          },
          50,
        ),
      ),
    );
  }
}

const BUILT = 'assigned:built';

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
