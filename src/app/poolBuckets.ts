import { poolBucketOf } from '../domain/addressRules';
import { AlreadyExistsError, ConflictError, DocumentStore } from '../ports/documentStore';

const MAX_UPDATE_ATTEMPTS = 50;

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
    for (const a of addresses) byBucket.set(poolBucketOf(a), [...(byBucket.get(poolBucketOf(a)) ?? []), a]);
    await Promise.all([...byBucket].map(([bucket, added]) => this.addTo(bucket, added)));
  }

  /** Read, add, write back with the etag (create when absent); on a conflict read again. */
  private async addTo(bucket: number, added: string[]): Promise<void> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const doc = await this.store.get<{ aliases: string[] }>('addressKeys', key(bucket));
      const next = { aliases: [...new Set([...(doc?.aliases ?? []), ...added])] };
      try {
        if (doc) await this.store.replace('addressKeys', key(bucket), next, doc._etag);
        else await this.store.create('addressKeys', key(bucket), next);
        return;
      } catch (err) {
        if (!(err instanceof ConflictError || err instanceof AlreadyExistsError)) throw err;
      }
    }
    throw new Error(`pool bucket ${bucket} kept changing; gave up after ${MAX_UPDATE_ATTEMPTS} attempts`);
  }
}

function key(bucket: number): string {
  return `bucket:${bucket}`;
}
