import type { Scheduler } from 'fast-check';
import type { DocumentStore } from '../../src/ports/documentStore';

/**
 * A real store whose every operation waits for fast-check's scheduler before it runs, so a property test
 * can try many interleavings of concurrent callers. Each operation still runs for real, atomically.
 */
export function scheduledStore(real: DocumentStore, s: Scheduler): DocumentStore {
  const gate = async <T>(label: string, op: () => Promise<T>): Promise<T> => {
    await s.schedule(Promise.resolve(), label);
    return op();
  };
  return {
    kind: real.kind,
    init: () => real.init(),
    get: (c, id) => gate(`get ${c}/${id}`, () => real.get(c, id)),
    create: (c, id, doc) => gate(`create ${c}/${id}`, () => real.create(c, id, doc)),
    replace: (c, id, doc, etag) => gate(`replace ${c}/${id}`, () => real.replace(c, id, doc, etag)),
    upsert: (c, id, doc) => gate(`upsert ${c}/${id}`, () => real.upsert(c, id, doc)),
    delete: (c, id, etag) => gate(`delete ${c}/${id}`, () => real.delete(c, id, etag)),
    query: (c, filter, options) => gate(`query ${c}`, () => real.query(c, filter, options)),
    count: (c, filter) => gate(`count ${c}`, () => real.count(c, filter)),
    ping: () => real.ping(),
    close: () => real.close(),
  } as DocumentStore;
}
