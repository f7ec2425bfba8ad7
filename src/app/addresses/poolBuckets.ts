import { poolBucketOf } from '../../domain/addressRules';
import type { DocumentStore } from '../../ports/documentStore';
import { changeDocument } from '../documentChanges';

/**
 * Which pool aliases hash to which bucket: one document per bucket in `addressKeys` (`bucket:<n>`), written
 * only when aliases are imported. Allocation samples aliases from a bucket by point reads instead of a query
 * (queries scan the container on small Cosmos setups, so their cost grows with the pool). Whether an alias is
 * free is only ever decided by its own record and its etag.
 */
export class PoolBuckets {
  /**
   * Each bucket's list as last read, for READ_AGAIN_MS: the lists change only when aliases are imported, and a
   * list a little behind costs nothing but a miss (allocation then samples elsewhere, or queries).
   */
  private readonly read = new Map<number, { aliases: Promise<string[]>; at: number }>();

  constructor(
    private readonly store: DocumentStore,
    private readonly now: () => number = Date.now,
  ) {}

  async aliasesIn(bucket: number): Promise<string[]> {
    const known = this.read.get(bucket);
    if (known && this.now() - known.at < READ_AGAIN_MS) return known.aliases;
    // One read for every allocation asking at the same moment (a burst asks for all buckets at once).
    const aliases = this.store
      .get<{ aliases: string[] }>('addressKeys', key(bucket))
      .then((doc) => doc?.aliases ?? []);
    const entry = { aliases, at: this.now() };
    this.read.set(bucket, entry);
    try {
      const list = await aliases;
      if (list.length > KEPT_UP_TO && this.read.get(bucket) === entry) this.read.delete(bucket);
      return list;
    } catch (err) {
      if (this.read.get(bucket) === entry) this.read.delete(bucket);
      throw err;
    }
  }

  async add(addresses: string[]): Promise<void> {
    const byBucket = new Map<number, string[]>();
    for (const address of addresses) {
      const bucket = poolBucketOf(address);
      const list = byBucket.get(bucket);
      if (list) list.push(address);
      else byBucket.set(bucket, [address]);
    }
    // One bucket at a time: with a large pool each document holds thousands of aliases, and changing all
    // 64 at once would hold them all in memory together (hundreds of MB at a million aliases).
    for (const [bucket, added] of byBucket) {
      this.read.delete(bucket);
      await changeDocument<{ aliases: string[] }>(
        this.store,
        'addressKeys',
        key(bucket),
        (doc) => {
          const aliases = new Set(doc?.aliases);
          const before = aliases.size;
          for (const address of added) aliases.add(address);
          return aliases.size === before ? undefined : { aliases: [...aliases] };
        },
        50,
      );
    }
  }
}

/** How long a bucket's list is used before it is read again (another instance may have imported aliases). */
const READ_AGAIN_MS = 30_000;
/** Larger lists (a pool of well over 100,000 aliases) are read every time rather than kept in memory. */
const KEPT_UP_TO = 2_000;

function key(bucket: number): string {
  return `bucket:${bucket}`;
}
