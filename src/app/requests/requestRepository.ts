import { AddressRequest, isOpen } from '../../domain/addressRequests';
import {
  AlreadyExistsError,
  ConflictError,
  DocumentStore,
  NotFoundError,
  Stored,
} from '../../ports/documentStore';

export type StoredRequest = Stored<AddressRequest>;

/** A change to a request computed from its latest version; undefined means "nothing to change". */
export type RequestChange = (current: AddressRequest) => AddressRequest | undefined;

/**
 * Requests in the `requests` container (id = request id), changed only through etags, plus the
 * `open-request:<account-name>` keys that keep one open request per account name (create-if-absent).
 */
export class RequestRepository {
  constructor(private readonly store: DocumentStore) {}

  get(requestId: string): Promise<StoredRequest | undefined> {
    return this.store.get<AddressRequest>('requests', requestId.toLowerCase());
  }

  create(request: AddressRequest): Promise<StoredRequest> {
    return this.store.create('requests', request.requestId, request);
  }

  /**
   * Applies `change` to the latest version with its etag; on a conflict re-reads and asks again, so the
   * change always sees what the other writer did. Releases the account-name key once the request closes.
   */
  async update(requestId: string, change: RequestChange): Promise<StoredRequest | undefined> {
    for (;;) {
      const current = await this.get(requestId);
      if (!current) return undefined;
      const next = change(current);
      if (!next) return current;
      try {
        const stored = await this.store.replace('requests', current.id, next, current._etag);
        if (isOpen(current.state) && !isOpen(stored.state)) await this.releaseName(stored);
        return stored;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
  }

  /** Exactly one attempt with the etag read: undefined when someone else changed it first (claims). */
  async tryReplace(current: StoredRequest, next: AddressRequest): Promise<StoredRequest | undefined> {
    let stored: StoredRequest;
    try {
      stored = await this.store.replace('requests', current.id, next, current._etag);
    } catch (err) {
      if (err instanceof ConflictError || err instanceof NotFoundError) return undefined;
      throw err;
    }
    if (isOpen(current.state) && !isOpen(stored.state)) await this.releaseName(stored);
    return stored;
  }

  /**
   * Reserves the account name for a new request. Answers the open request holding it, if any; a key
   * left behind by a closed request (e.g. a crash before its release) is removed and the claim retried.
   */
  async reserveName(accountName: string, requestId: string): Promise<StoredRequest | undefined> {
    const key = nameKey(accountName);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.store.create('requests', key, { requestId, accountName });
        return undefined;
      } catch (err) {
        if (!(err instanceof AlreadyExistsError)) throw err;
      }
      const held = await this.store.get<{ requestId: string }>('requests', key);
      if (!held) continue;
      const holder = await this.get(held.requestId);
      if (holder && isOpen(holder.state)) return holder;
      await this.store.delete('requests', key, held._etag).catch((err: unknown) => {
        if (!(err instanceof ConflictError)) throw err;
      });
    }
    throw new Error(`Could not reserve the account name ${accountName}; try again`);
  }

  async releaseName(request: AddressRequest): Promise<void> {
    const key = nameKey(request.accountName);
    const held = await this.store.get<{ requestId: string }>('requests', key);
    if (held?.requestId !== request.requestId) return;
    await this.store.delete('requests', key, held._etag).catch((err: unknown) => {
      if (!(err instanceof ConflictError)) throw err;
    });
  }

  inState(state: AddressRequest['state'], limit = 200): Promise<StoredRequest[]> {
    return this.store.query<AddressRequest>('requests', { state }, { orderBy: 'createdAt', limit });
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
  return `open-request:${accountName.toLowerCase()}`;
}
