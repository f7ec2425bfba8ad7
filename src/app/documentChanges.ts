import {
  AlreadyExistsError,
  ConflictError,
  ContainerName,
  DocumentStore,
  NotFoundError,
  Stored,
} from '../ports/documentStore';

/** Someone else kept changing the document; nothing was written. */
export class ContendedError extends Error {
  constructor(
    readonly container: string,
    readonly id: string,
  ) {
    super(`${container}/${id} kept changing under us`);
    this.name = 'ContendedError';
  }
}

const lostRace = (err: unknown) =>
  err instanceof ConflictError || err instanceof AlreadyExistsError || err instanceof NotFoundError;

/**
 * One attempt to write `next` over the version read (`current`, or nothing when absent): replace with its
 * etag, or create-if-absent. Answers the stored document, or undefined when someone else wrote first —
 * the shape of every claim (a lease, a step, an alert flag).
 */
export async function writeIfUnchanged<T extends object>(
  store: DocumentStore,
  container: ContainerName,
  id: string,
  current: Stored<T> | undefined,
  next: T,
): Promise<Stored<T> | undefined> {
  try {
    return current
      ? await store.replace(container, id, next, current._etag)
      : await store.create(container, id, next);
  } catch (err) {
    if (lostRace(err)) return undefined;
    throw err;
  }
}

/**
 * Read, decide, write with the etag read; when someone else wrote in between, read again and decide again.
 * `decide` sees the latest version (undefined when absent) and answers the next one, or undefined to leave
 * it as it is; it may throw to refuse. The one loop every owner of a document uses.
 */
export async function changeDocument<T extends object>(
  store: DocumentStore,
  container: ContainerName,
  id: string,
  decide: (current: Stored<T> | undefined) => T | undefined,
  attempts = 20,
): Promise<{ document: Stored<T> | undefined; changed: boolean }> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = await store.get<T>(container, id);
    const next = decide(current);
    if (next === undefined) return { document: current, changed: false };
    const written = await writeIfUnchanged(store, container, id, current, next);
    if (written) return { document: written, changed: true };
  }
  throw new ContendedError(container, id);
}
