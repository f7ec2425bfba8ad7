import { Adoption, adoptionTimerAt, isOpenAdoption } from '../../domain/adoptions';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, Stored } from '../../ports/documentStore';
import { writeIfUnchanged } from '../documentChanges';
import { WorkflowDocuments } from '../workflows/workflowDocuments';

export type StoredAdoption = Stored<Adoption>;

/** The adoption workflow's name in the runner and the work-due index. */
export const ADOPTION_WORKFLOW = 'adoption';

interface KeyDoc {
  adoptionId: string;
}

/**
 * Adoptions in `adoptions` (id = adoption id), changed only through etags (WorkflowDocuments), and their
 * keys in `adoptionKeys`: `account:<id>` keeps one open adoption per AWS account (create-if-absent, a closed
 * holder's key is taken over by its etag), `alias:<address>` finds the adoption a code mail belongs to by a
 * point read.
 */
export class AdoptionRepository extends WorkflowDocuments<Adoption> {
  constructor(store: DocumentStore, clock: Clock) {
    super(store, clock, {
      container: 'adoptions',
      workflow: ADOPTION_WORKFLOW,
      idPattern: /^adp-[0-9a-f]{8}$/,
      timerAt: adoptionTimerAt,
      // Found once after an upgrade from before the work-due index: work left, waits and deadlines.
      mayBeDue: [{ workPending: true }, { state: 'awaiting-approval' }, { state: 'awaiting-code' }],
    });
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

  async byAlias(address: string): Promise<StoredAdoption | undefined> {
    const key = await this.store.get<KeyDoc>('adoptionKeys', aliasKey(address));
    const adoption = key && (await this.get(key.adoptionId));
    return adoption?.address === address.toLowerCase() ? adoption : undefined;
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
