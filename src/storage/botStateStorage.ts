import type { Storage, StoreItems } from 'botbuilder';
import { ConflictError, DocumentStore } from '../ports/documentStore';

/**
 * botbuilder's Storage (conversation and dialog state) on our storage port, so that state lives in the
 * same store as everything else. Honors botbuilder's eTag rule: '*' or none writes unconditionally,
 * any other eTag must match.
 */
export class BotStateStorage implements Storage {
  constructor(private readonly store: DocumentStore) {}

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    await Promise.all(
      keys.map(async (key) => {
        const doc = await this.store.get<{ state: Record<string, unknown> }>('botState', encodeKey(key));
        if (doc) items[key] = { ...doc.state, eTag: doc._etag };
      }),
    );
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    await Promise.all(
      Object.entries(changes).map(async ([key, value]) => {
        const { eTag, ...state } = (value ?? {}) as Record<string, unknown>;
        const id = encodeKey(key);
        if (typeof eTag === 'string' && eTag !== '*' && eTag !== '') {
          try {
            await this.store.replace('botState', id, { state }, eTag);
          } catch (err) {
            if (err instanceof ConflictError)
              throw new Error(`Bot state for ${key} was changed by another turn`, { cause: err });
            throw err;
          }
        } else {
          await this.store.upsert('botState', id, { state });
        }
      }),
    );
  }

  async delete(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.store.delete('botState', encodeKey(key))));
  }
}

/** Cosmos ids may not contain / \ ? #; botbuilder keys do. */
function encodeKey(key: string): string {
  return key.replace(/[/\\?#%]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
