import type { DocumentStore } from '../src/ports/documentStore';

/**
 * A store that counts the calls made through it, by operation and container ("get addresses"), then passes
 * them to `real`: for benches that print store round trips per unit of work. Benches only.
 */
export function counting(real: DocumentStore): { store: DocumentStore; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const count = (op: string, container: string) => {
    const key = `${op} ${container}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
  };
  const store: DocumentStore = {
    kind: real.kind,
    init: () => real.init(),
    get: (c, id) => (count('get', c), real.get(c, id)),
    create: (c, id, doc) => (count('create', c), real.create(c, id, doc)),
    createMany: (c, docs) => (count('createMany', c), real.createMany(c, docs)),
    replace: (c, id, doc, etag) => (count('replace', c), real.replace(c, id, doc, etag)),
    upsert: (c, id, doc) => (count('upsert', c), real.upsert(c, id, doc)),
    delete: (c, id, etag) => (count('delete', c), real.delete(c, id, etag)),
    query: (c, filter, options) => (count('query', c), real.query(c, filter, options)),
    count: (c, filter) => (count('count', c), real.count(c, filter)),
    ping: () => real.ping(),
    close: () => real.close(),
  } as DocumentStore;
  return { store, calls };
}

/** The calls in total, and "get addresses 3.00, replace addresses 1.00, …" per `units`, most first. */
export function callsPer(calls: Map<string, number>, units: number): { total: number; detail: string } {
  const total = [...calls.values()].reduce((a, b) => a + b, 0);
  const detail = [...calls]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${(n / units).toFixed(2)}`)
    .join(', ');
  return { total, detail };
}
