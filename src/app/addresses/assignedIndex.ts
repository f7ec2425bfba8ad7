import type { DocumentStore } from '../../ports/documentStore';
import { changeDocument } from '../documentChanges';

/** Enough shards that concurrent allocations rarely write the same one. */
export const ASSIGNED_SHARDS = 128;

interface Shard {
  addresses: string[];
}

interface BuiltMarker {
  at: string;
  count: number;
}

/**
 * Which addresses are assigned, in `addressKeys` (`assigned:<n>`, one document per shard): reconciliation
 * reads these few documents instead of querying `addresses`, whose cost grows with the pool (a query on a
 * small Cosmos DB setup scans the container). An address is added after its record became assigned and
 * removed after it stopped being so; readers check the record itself, so an entry left behind costs one
 * point read and nothing else. `assigned:built` says that the index was filled from the records once (the
 * first reconciliation after an upgrade does that).
 */
export class AssignedIndex {
  constructor(private readonly store: DocumentStore) {}

  async add(address: string): Promise<void> {
    await this.change(address, (list) => (list.includes(address) ? undefined : [...list, address]));
  }

  async remove(address: string): Promise<void> {
    await this.change(address, (list) =>
      list.includes(address) ? list.filter((a) => a !== address) : undefined,
    );
  }

  /** Every address in the index, and whether it was ever filled from the records. */
  async read(): Promise<{ addresses: string[]; built: boolean }> {
    const ids = Array.from({ length: ASSIGNED_SHARDS }, (_, n) => key(n));
    const [marker, ...shards] = await Promise.all([
      this.store.get<BuiltMarker>('addressKeys', BUILT),
      ...ids.map((id) => this.store.get<Shard>('addressKeys', id)),
    ]);
    return { addresses: shards.flatMap((s) => s?.addresses ?? []), built: !!marker };
  }

  /** Adds every address given (never removes: entries added meanwhile stay), then marks the index built. */
  async fill(addresses: string[], at: string): Promise<void> {
    const byShard = new Map<number, string[]>();
    for (const address of addresses) {
      const n = shardOf(address);
      byShard.set(n, [...(byShard.get(n) ?? []), address]);
    }
    await Promise.all(
      [...byShard].map(([n, added]) =>
        changeDocument<Shard>(
          this.store,
          'addressKeys',
          key(n),
          (doc) => {
            const current = doc?.addresses ?? [];
            const merged = [...new Set([...current, ...added])];
            return merged.length === current.length ? undefined : { addresses: merged };
          },
          50,
        ),
      ),
    );
    await this.store.upsert<BuiltMarker>('addressKeys', BUILT, { at, count: addresses.length });
  }

  private async change(address: string, next: (list: string[]) => string[] | undefined): Promise<void> {
    await changeDocument<Shard>(
      this.store,
      'addressKeys',
      key(shardOf(address)),
      (doc) => {
        const list = next(doc?.addresses ?? []);
        return list && { addresses: list };
      },
      50,
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
