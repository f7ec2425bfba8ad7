import type { RootCredentials, RootPosture } from '../../domain/rootPosture';
import type { DocumentStore } from '../../ports/documentStore';
import { changeDocument } from '../documentChanges';
import { shardOf } from './shards';

interface Shard {
  accounts: Record<string, RootPosture>;
}

/** A few thousand accounts stay far below a document's size limit (a posture is a few hundred bytes). */
const SHARDS = 64;
const shardKey = (n: number) => `postures:${n}`;

/**
 * Member accounts' root users as the last audits found them, in `rootPosture`, by AWS account id (sharded over
 * a few documents, `postures:<n>`, so a run reads every account with 64 point reads and a look-up with one).
 * The only code that reads or writes the container.
 */
export class RootPostures {
  constructor(private readonly store: DocumentStore) {}

  async all(): Promise<Map<string, RootPosture>> {
    const shards = await Promise.all(
      Array.from({ length: SHARDS }, (_, n) => this.store.get<Shard>('rootPosture', shardKey(n))),
    );
    const all = new Map<string, RootPosture>();
    for (const shard of shards) for (const [id, p] of Object.entries(shard?.accounts ?? {})) all.set(id, p);
    return all;
  }

  async get(accountId: string | undefined): Promise<RootPosture | undefined> {
    if (!accountId || !/^\d{12}$/.test(accountId)) return undefined;
    const shard = await this.store.get<Shard>('rootPosture', shardKey(shardOf(accountId, SHARDS)));
    return shard?.accounts[accountId];
  }

  /** The postures of these accounts (one read per shard they fall in). */
  async of(accountIds: Iterable<string>): Promise<Map<string, RootPosture>> {
    const byShard = new Map<number, string[]>();
    for (const id of new Set(accountIds)) {
      if (!/^\d{12}$/.test(id)) continue;
      const n = shardOf(id, SHARDS);
      byShard.set(n, [...(byShard.get(n) ?? []), id]);
    }
    const found = new Map<string, RootPosture>();
    await Promise.all(
      [...byShard].map(async ([n, ids]) => {
        const shard = await this.store.get<Shard>('rootPosture', shardKey(n));
        for (const id of ids) if (shard?.accounts[id]) found.set(id, shard.accounts[id]);
      }),
    );
    return found;
  }

  /** What an audit found now: the account's credentials, checked at `at`; a previous failure is cleared. */
  async checked(
    account: { id: string; name: string },
    credentials: RootCredentials,
    at: string,
  ): Promise<RootPosture> {
    return this.change(account.id, () => ({
      accountId: account.id,
      accountName: account.name,
      checkedAt: at,
      credentials,
    }));
  }

  /** An audit failed: what was known stays, with the failure beside it. */
  async failed(account: { id: string; name: string }, text: string, at: string): Promise<RootPosture> {
    return this.change(account.id, (current) => ({
      ...(current ?? { accountId: account.id }),
      accountName: account.name,
      problem: { at, text },
    }));
  }

  private async change(
    accountId: string,
    next: (current: RootPosture | undefined) => RootPosture,
  ): Promise<RootPosture> {
    let written: RootPosture | undefined;
    await changeDocument<Shard>(this.store, 'rootPosture', shardKey(shardOf(accountId, SHARDS)), (doc) => {
      written = next(doc?.accounts[accountId]);
      return { accounts: { ...(doc?.accounts ?? {}), [accountId]: written } };
    });
    return written!;
  }
}
