import { AddressRequest, isOpen, OPEN_STATES, requestTimerAt } from '../../domain/addressRequests';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, Stored } from '../../ports/documentStore';
import { writeIfUnchanged } from '../documentChanges';
import { WorkflowDocuments } from '../workflows/workflowDocuments';

export type StoredRequest = Stored<AddressRequest>;

/** The request workflow's name in the runner and the work-due index. */
export const REQUEST_WORKFLOW = 'request';

interface NameGuard {
  requestId: string;
  accountName: string;
  /** When it was reserved (absent in older guards). */
  reservedAt?: string;
}

/**
 * A guard whose request is not stored yet is being created (reserve, then create) for this long; after
 * it, the reservation counts as abandoned (a crash between the two) and may be taken over.
 */
const CREATING_MS = 30_000;

/**
 * Requests in `requests` (id = request id), changed only through etags (WorkflowDocuments), and the guard
 * keys in `requestKeys` (`name:<account-name>`, create-if-absent) that keep one open request per account
 * name; a guard is given back as its request closes, whoever closes it.
 */
export class RequestRepository extends WorkflowDocuments<AddressRequest> {
  constructor(store: DocumentStore, clock: Clock) {
    super(store, clock, {
      container: 'requests',
      workflow: REQUEST_WORKFLOW,
      idPattern: /^req-[0-9a-f]{8}$/,
      timerAt: requestTimerAt,
      // Found once after an upgrade from before the work-due index: work left, and reminders to come.
      mayBeDue: [{ workPending: true }, { state: 'pending' }],
    });
  }

  protected override async afterWrite(before: AddressRequest, after: StoredRequest): Promise<void> {
    if (isOpen(before.state) && !isOpen(after.state)) await this.releaseName(after);
  }

  /**
   * Reserves the account name for a new request. Answers the open request holding it, if any; a guard left
   * behind by a closed request (e.g. a crash before its release) is taken over by its etag.
   */
  async reserveName(accountName: string, requestId: string): Promise<StoredRequest | undefined> {
    const key = nameKey(accountName);
    for (let attempt = 0; attempt < 20; attempt++) {
      const held = await this.store.get<NameGuard>('requestKeys', key);
      if (held) {
        const holder = await this.get(held.requestId);
        if (holder && isOpen(holder.state)) return holder;
        if (!holder && this.beingCreated(held)) {
          await new Promise((resolve) => setTimeout(resolve, 25 * (attempt + 1)));
          continue;
        }
      }
      const reservedAt = this.clock.now().toISOString();
      if (
        await writeIfUnchanged(this.store, 'requestKeys', key, held, { requestId, accountName, reservedAt })
      )
        return undefined;
    }
    throw new Error(`Could not reserve the account name ${accountName}; try again`);
  }

  private beingCreated(guard: NameGuard): boolean {
    return !!guard.reservedAt && this.clock.now().getTime() - Date.parse(guard.reservedAt) < CREATING_MS;
  }

  async releaseName(request: AddressRequest): Promise<void> {
    const key = nameKey(request.accountName);
    const held = await this.store.get<NameGuard>('requestKeys', key);
    if (held?.requestId !== request.requestId) return;
    await this.store.delete('requestKeys', key, held._etag).catch(() => undefined); // re-taken meanwhile
  }

  /**
   * Open requests from before the guards had their own container get a guard here (create-if-absent), so an
   * upgrade does not let a second request for the same name through. Cheap: open requests are few.
   */
  async guardOpenRequests(): Promise<void> {
    for (const state of OPEN_STATES) {
      for (const request of await this.inState(state, 1000)) {
        await writeIfUnchanged(this.store, 'requestKeys', nameKey(request.accountName), undefined, {
          requestId: request.requestId,
          accountName: request.accountName,
        });
      }
    }
  }

  inState(state: AddressRequest['state'], limit = 200): Promise<StoredRequest[]> {
    return this.store.query<AddressRequest>('requests', { state }, { orderBy: 'createdAt', limit });
  }

  countInState(state: AddressRequest['state']): Promise<number> {
    return this.store.count('requests', { state });
  }
}

function nameKey(accountName: string): string {
  return `name:${accountName.toLowerCase()}`;
}
