import { Adoption, AdoptionState, isOpenAdoption } from '../../domain/adoptions';
import type { DocumentStore, Stored } from '../../ports/documentStore';
import { changeDocument, writeIfUnchanged } from '../documentChanges';

export type StoredAdoption = Stored<Adoption>;

/** Adoption ids as the service makes them; anything else is not looked up. */
const ADOPTION_ID = /^adp-[0-9a-f]{8}$/;

interface KeyDoc {
  adoptionId: string;
}

/**
 * Adoptions in `adoptions` (id = adoption id), changed only through etags, and their keys in `adoptionKeys`:
 * `account:<id>` keeps one open adoption per AWS account (create-if-absent, a closed holder's key is taken
 * over by its etag), `alias:<address>` and `request:<request id>` find the adoption a code mail or a settled
 * request belongs to by a point read.
 */
export class AdoptionRepository {
  constructor(private readonly store: DocumentStore) {}

  async get(adoptionId: string): Promise<StoredAdoption | undefined> {
    const id = String(adoptionId ?? '')
      .trim()
      .toLowerCase();
    return ADOPTION_ID.test(id) ? this.store.get<Adoption>('adoptions', id) : undefined;
  }

  create(adoption: Adoption): Promise<StoredAdoption> {
    return this.store.create('adoptions', adoption.adoptionId, adoption);
  }

  /** Applies `change` to the latest version (re-read on conflict); undefined from `change` leaves it. */
  async update(
    adoptionId: string,
    change: (current: Adoption) => Adoption | undefined,
  ): Promise<StoredAdoption | undefined> {
    const { document } = await changeDocument<Adoption>(
      this.store,
      'adoptions',
      adoptionId,
      (current) => current && change(current),
      50,
    );
    return document;
  }

  /** Exactly one attempt with the etag read: undefined when someone else changed it first (claims). */
  tryReplace(current: StoredAdoption, next: Adoption): Promise<StoredAdoption | undefined> {
    return writeIfUnchanged(this.store, 'adoptions', current.id, current, next);
  }

  /**
   * Reserves the account for a new adoption: answers the open adoption holding it, if any. A key left by a
   * closed adoption (or by a start that never stored its adoption) is taken over by its etag.
   */
  async reserveAccount(accountId: string, adoptionId: string): Promise<StoredAdoption | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const held = await this.store.get<KeyDoc>('adoptionKeys', accountKey(accountId));
      if (held && held.adoptionId !== adoptionId) {
        const holder = await this.get(held.adoptionId);
        if (holder && isOpenAdoption(holder.state)) return holder;
      }
      const taken = await writeIfUnchanged(this.store, 'adoptionKeys', accountKey(accountId), held, {
        adoptionId,
      });
      if (taken) return undefined;
    }
    throw new Error(`Could not reserve AWS account ${accountId} for an adoption; try again`);
  }

  /** Gives the account back (the start was refused before an adoption was stored). */
  async releaseAccount(accountId: string, adoptionId: string): Promise<void> {
    const held = await this.store.get<KeyDoc>('adoptionKeys', accountKey(accountId));
    if (held?.adoptionId === adoptionId)
      await this.store.delete('adoptionKeys', accountKey(accountId), held._etag).catch(() => undefined);
  }

  /** Remembers which adoption waits for mail to `address` (written before AWS is asked to send any). */
  async keyAlias(address: string, adoptionId: string): Promise<void> {
    await this.store.upsert<KeyDoc>('adoptionKeys', aliasKey(address), { adoptionId });
  }

  async keyRequest(requestId: string, adoptionId: string): Promise<void> {
    await this.store.upsert<KeyDoc>('adoptionKeys', requestKey(requestId), { adoptionId });
  }

  async byAlias(address: string): Promise<StoredAdoption | undefined> {
    const key = await this.store.get<KeyDoc>('adoptionKeys', aliasKey(address));
    const adoption = key && (await this.get(key.adoptionId));
    return adoption?.address === address.toLowerCase() ? adoption : undefined;
  }

  async byRequest(requestId: string): Promise<StoredAdoption | undefined> {
    const key = await this.store.get<KeyDoc>('adoptionKeys', requestKey(requestId));
    const adoption = key && (await this.get(key.adoptionId));
    return adoption?.requestId === requestId ? adoption : undefined;
  }

  inState(state: AdoptionState, limit = 200): Promise<StoredAdoption[]> {
    return this.store.query<Adoption>('adoptions', { state }, { orderBy: 'createdAt', limit });
  }

  withPendingWork(limit = 200): Promise<StoredAdoption[]> {
    return this.store.query<Adoption>('adoptions', { workPending: true }, { orderBy: 'createdAt', limit });
  }

  async countOpen(): Promise<number> {
    const counts = await Promise.all(
      ['awaiting-approval', 'awaiting-code', 'accepted'].map((state) =>
        this.store.count('adoptions', { state }),
      ),
    );
    return counts.reduce((a, b) => a + b, 0);
  }
}

function accountKey(accountId: string): string {
  return `account:${accountId}`;
}
function aliasKey(address: string): string {
  return `alias:${address.toLowerCase()}`;
}
function requestKey(requestId: string): string {
  return `request:${requestId}`;
}
