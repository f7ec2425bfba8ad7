import { AddressRequest, isOpen, OPEN_STATES } from '../../domain/addressRequests';
import type { DocumentStore, Stored } from '../../ports/documentStore';
import { changeDocument, writeIfUnchanged } from '../documentChanges';

export type StoredRequest = Stored<AddressRequest>;

/** A change to a request computed from its latest version; undefined means "nothing to change". */
export type RequestChange = (current: AddressRequest) => AddressRequest | undefined;

/** Request ids as the service makes them; anything else is not a request (and is never looked up). */
const REQUEST_ID = /^req-[0-9a-f]{8}$/;

interface NameGuard {
  requestId: string;
  accountName: string;
}

/**
 * Requests in `requests` (id = request id), changed only through etags, and the guard keys in
 * `requestKeys` (`name:<account-name>`, create-if-absent) that keep one open request per account name.
 */
export class RequestRepository {
  constructor(private readonly store: DocumentStore) {}

  /** The request, or undefined for an unknown or malformed id. */
  async get(requestId: string): Promise<StoredRequest | undefined> {
    const id = String(requestId ?? '')
      .trim()
      .toLowerCase();
    if (!REQUEST_ID.test(id)) return undefined;
    return this.store.get<AddressRequest>('requests', id);
  }

  create(request: AddressRequest): Promise<StoredRequest> {
    return this.store.create('requests', request.requestId, request);
  }

  /**
   * Applies `change` to the latest version with its etag; on a conflict re-reads and asks again, so the
   * change always sees what the other writer did. Releases the account-name guard once the request closes.
   */
  async update(requestId: string, change: RequestChange): Promise<StoredRequest | undefined> {
    let before: AddressRequest | undefined;
    const { document, changed } = await changeDocument<AddressRequest>(
      this.store,
      'requests',
      requestId,
      (current) => {
        before = current;
        return current && change(current);
      },
      100,
    );
    if (changed && before && isOpen(before.state) && !isOpen(document!.state))
      await this.releaseName(document!);
    return document;
  }

  /** Exactly one attempt with the etag read: undefined when someone else changed it first (claims). */
  async tryReplace(current: StoredRequest, next: AddressRequest): Promise<StoredRequest | undefined> {
    const stored = await writeIfUnchanged(this.store, 'requests', current.id, current, next);
    if (stored && isOpen(current.state) && !isOpen(stored.state)) await this.releaseName(stored);
    return stored;
  }

  /**
   * Reserves the account name for a new request. Answers the open request holding it, if any; a guard left
   * behind by a closed request (e.g. a crash before its release) is taken over by its etag.
   */
  async reserveName(accountName: string, requestId: string): Promise<StoredRequest | undefined> {
    const key = nameKey(accountName);
    for (let attempt = 0; attempt < 5; attempt++) {
      const held = await this.store.get<NameGuard>('requestKeys', key);
      if (held) {
        const holder = await this.get(held.requestId);
        if (holder && isOpen(holder.state)) return holder;
      }
      if (await writeIfUnchanged(this.store, 'requestKeys', key, held, { requestId, accountName }))
        return undefined;
    }
    throw new Error(`Could not reserve the account name ${accountName}; try again`);
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

  withPendingWork(limit = 200): Promise<StoredRequest[]> {
    return this.store.query<AddressRequest>(
      'requests',
      { workPending: true },
      { orderBy: 'createdAt', limit },
    );
  }
}

function nameKey(accountName: string): string {
  return `name:${accountName.toLowerCase()}`;
}
