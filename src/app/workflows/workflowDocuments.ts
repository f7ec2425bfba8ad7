import { earliest, StepBook, stepsDueAt } from '../../domain/workflowSteps';
import type { Clock } from '../../ports/clock';
import type { ContainerName, DocumentStore, Filter, Stored } from '../../ports/documentStore';
import { ContendedError, writeIfUnchanged } from '../documentChanges';
import { DueIndex } from './dueIndex';

/** What a workflow's documents need beyond their steps. */
export interface DocumentRules<Doc> {
  container: ContainerName;
  /** The workflow's name in the work-due index (the runner registers it under the same name). */
  workflow: string;
  /** Ids as the feature makes them; anything else is not one of its documents (and is never looked up). */
  idPattern: RegExp;
  /** When the document's own timer is next due (pure), beside its steps. */
  timerAt?(doc: Doc): Date | undefined;
  /**
   * Filters that find every document that may have something due (steps, a timer, a wait): used once, to
   * fill the work-due index with documents stored before it existed.
   */
  mayBeDue: Filter[];
}

export interface WriteOptions {
  /**
   * Announce work that became due sooner in the work-due index (default). The runner's own writes inside a
   * run skip it: the run settles the index when it ends.
   */
  announce?: boolean;
  /**
   * The writer starts the work itself right after (a service after a click): other instances take it only
   * after a short hand-off (HAND_OFF_MS), should this one die first.
   */
  startedHere?: boolean;
}

/**
 * The documents of one workflow (requests, adoptions…): every change through an etag, and every change that
 * brings work forward announced in the work-due index, so that whichever instance polls next finds it.
 * A feature's repository extends this with its own keys and queries.
 */
export class WorkflowDocuments<Doc extends StepBook<string>> {
  private readonly due: DueIndex;

  constructor(
    protected readonly store: DocumentStore,
    protected readonly clock: Clock,
    protected readonly rules: DocumentRules<Doc>,
  ) {
    this.due = new DueIndex(store, clock);
  }

  get workflow(): string {
    return this.rules.workflow;
  }

  /** The document, or undefined for an unknown or malformed id. */
  async get(id: string): Promise<Stored<Doc> | undefined> {
    const key = String(id ?? '')
      .trim()
      .toLowerCase();
    if (!this.rules.idPattern.test(key)) return undefined;
    return this.store.get<Doc>(this.rules.container, key);
  }

  async create(id: string, doc: Doc, options: WriteOptions = {}): Promise<Stored<Doc>> {
    const announce = !!this.dueAt(doc);
    if (announce) await this.due.touch(this.rules.workflow, id, options.startedHere);
    const created = await this.store.create(this.rules.container, id, doc);
    if (announce) await this.due.touch(this.rules.workflow, id, options.startedHere);
    return created;
  }

  /**
   * Applies `change` to the latest version with its etag; on a conflict reads again and asks again, so the
   * change always sees what the other writer did. Undefined from `change` leaves the document as it is.
   */
  async update(
    id: string,
    change: (current: Doc) => Doc | undefined,
    options: WriteOptions = {},
    attempts = 100,
  ): Promise<Stored<Doc> | undefined> {
    for (let attempt = 0; attempt < attempts; attempt++) {
      const current = await this.store.get<Doc>(this.rules.container, id);
      const next = current && change(current);
      if (!current || !next) return current;
      const written = await this.tryReplace(current, next, options);
      if (written) return written;
    }
    throw new ContendedError(this.rules.container, id);
  }

  /** Exactly one attempt with the etag read: undefined when someone else changed it first (claims). */
  async tryReplace(
    current: Stored<Doc>,
    next: Doc,
    options: WriteOptions = {},
  ): Promise<Stored<Doc> | undefined> {
    const announce = (options.announce ?? true) && this.bringsWorkForward(current, next);
    if (announce) await this.due.touch(this.rules.workflow, current.id, options.startedHere);
    const written = await writeIfUnchanged(this.store, this.rules.container, current.id, current, next);
    if (!written) return undefined;
    if (announce) await this.due.touch(this.rules.workflow, current.id, options.startedHere);
    await this.afterWrite(current, written);
    return written;
  }

  /** After a replace that was stored, e.g. giving back a guard once the document closed. */
  protected async afterWrite(_before: Doc, _after: Stored<Doc>): Promise<void> {}

  /**
   * Puts documents stored before the work-due index existed into it, once per store (the index remembers
   * that it was done); later writes keep it up to date.
   */
  async indexOlderDocuments(): Promise<number> {
    const marker = `indexed:${this.rules.workflow}`;
    if (await this.due.isMarked(marker)) return 0;
    const ids = new Set<string>();
    for (const filter of this.rules.mayBeDue)
      for (const doc of await this.store.query<Doc>(this.rules.container, filter, { limit: 5000 }))
        ids.add(doc.id);
    for (const id of ids) await this.due.touch(this.rules.workflow, id);
    await this.due.mark(marker);
    return ids.size;
  }

  /** When the document next needs looking at for its steps and timers (waits are the runner's). */
  dueAt(doc: Doc, now = this.clock.now()): Date | undefined {
    return earliest(stepsDueAt(doc, now), this.timerAt(doc));
  }

  /** When the workflow's own timer is next due (the runner fires it then). */
  timerAt(doc: Doc): Date | undefined {
    return this.rules.timerAt?.(doc);
  }

  private bringsWorkForward(before: Doc, after: Doc): boolean {
    const now = this.clock.now();
    const next = this.dueAt(after, now);
    if (!next) return false;
    const previous = this.dueAt(before, now);
    return !previous || next < previous;
  }
}
