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
    await Promise.all(
      [...byBucket].map(([bucket, added]) =>
        changeDocument<{ aliases: string[] }>(
          this.store,
          'addressKeys',
          key(bucket),
          (doc) => ({ aliases: [...new Set([...(doc?.aliases ?? []), ...added])] }),
          50,
        ),
      ),
    );
  }
}

function key(bucket: number): string {
  return `bucket:${bucket}`;
}
