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
  constructor(private readonly store: DocumentStore) {}

  async aliasesIn(bucket: number): Promise<string[]> {
    const doc = await this.store.get<{ aliases: string[] }>('addressKeys', key(bucket));
    return doc?.aliases ?? [];
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

function key(bucket: number): string {
  return `bucket:${bucket}`;
}
