import type { Clock } from '../../ports/clock';
import type { DocumentStore, Stored } from '../../ports/documentStore';
import { changeDocument, writeIfUnchanged } from '../documentChanges';

/** One workflow instance that needs looking at, no earlier than `dueAt`. */
export interface DueEntry {
  kind: 'due';
  workflow: string;
  instanceId: string;
  dueAt: string;
}

/** The instances waiting for one instance of another workflow (`workflow:id` each). */
interface WaitersEntry {
  kind: 'waiters';
  waiters: string[];
}

const dueId = (workflow: string, id: string) => `due:${workflow}:${id}`;

/**
 * How long the instance that stored a change and starts its work at once has it to itself: other instances'
 * polls find the work only after this (if that instance died), so they do not race it for the first step
 * (and the work keeps what the starting call knew, e.g. the card a click was answered on). A start-up takes
 * such work at once: the instance that announced it may be the one that just died.
 */
export const HAND_OFF_MS = 5_000;
const waitersId = (workflow: string, id: string) => `waiters:${workflow}:${id}`;

/**
 * The work-due index in the `workflows` container: one small entry per workflow instance that has a step,
 * a claim that may lapse, a timer or a wait, with the time it is next due. Every instance looks for due
 * work with one ordered query of this small container (`ORDER BY dueAt`, a few entries) instead of scanning
 * requests or adoptions.
 *
 * The entry may be earlier than the work (a visit that finds nothing moves it on), never later: a change
 * that makes work due sooner touches the entry before it is written (so a crash right after the write
 * leaves it findable) and after (so an instance settling the entry meanwhile cannot drop it); settling
 * reads the entry before the document and writes it with the entry's etag.
 */
export class DueIndex {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  /**
   * Due now (or, `startedHere`, after the hand-off): look at the instance at the next poll. An unconditional
   * write: it is never later than the work.
   */
  async touch(workflow: string, instanceId: string, startedHere = false): Promise<void> {
    const at = this.clock.now().getTime() + (startedHere ? HAND_OFF_MS : 0);
    await this.store.upsert<DueEntry>('workflows', dueId(workflow, instanceId), {
      kind: 'due',
      workflow,
      instanceId,
      dueAt: new Date(at).toISOString(),
    });
  }

  entry(workflow: string, instanceId: string): Promise<Stored<DueEntry> | undefined> {
    return this.store.get<DueEntry>('workflows', dueId(workflow, instanceId));
  }

  /**
   * Writes what the document (read after `entry`) needs: the next due time, or no entry when nothing is due.
   * Guarded by the entry's etag: a touch meanwhile wins, and the next visit settles again.
   */
  async settle(
    workflow: string,
    instanceId: string,
    entry: Stored<DueEntry> | undefined,
    dueAt: Date | undefined,
  ): Promise<void> {
    const id = dueId(workflow, instanceId);
    if (!dueAt) {
      if (entry) await this.store.delete('workflows', id, entry._etag).catch(() => undefined);
      return;
    }
    if (entry?.dueAt === dueAt.toISOString()) return;
    await writeIfUnchanged<DueEntry>(this.store, 'workflows', id, entry, {
      kind: 'due',
      workflow,
      instanceId,
      dueAt: dueAt.toISOString(),
    });
  }

  /**
   * The workflow's entries due now (`withHandOffs`: also those handed off to the instance that announced
   * them), earliest first, at most `limit`: one ordered query of a small container.
   */
  async due(workflow: string, limit: number, withHandOffs = false): Promise<DueEntry[]> {
    const now = this.clock.now().getTime() + (withHandOffs ? HAND_OFF_MS : 0);
    const first = await this.store.query<DueEntry>(
      'workflows',
      { kind: 'due', workflow },
      { orderBy: 'dueAt', limit },
    );
    return first.filter((e) => Date.parse(e.dueAt) <= now);
  }

  /** Remembers that `waiter` (`workflow:id`) waits for the instance, so its changes wake the waiter. */
  async addWaiter(workflow: string, instanceId: string, waiter: string): Promise<void> {
    await changeDocument<WaitersEntry>(this.store, 'workflows', waitersId(workflow, instanceId), (current) =>
      current?.waiters.includes(waiter)
        ? undefined
        : { kind: 'waiters', waiters: [...(current?.waiters ?? []), waiter] },
    );
  }

  async removeWaiter(workflow: string, instanceId: string, waiter: string): Promise<void> {
    const id = waitersId(workflow, instanceId);
    const current = await this.store.get<WaitersEntry>('workflows', id);
    if (!current?.waiters.includes(waiter)) return;
    const rest = current.waiters.filter((w) => w !== waiter);
    // Lost to a concurrent change: the waiter stays listed, and a wake-up it no longer needs is harmless.
    if (rest.length)
      await writeIfUnchanged(this.store, 'workflows', id, current, { ...current, waiters: rest });
    else await this.store.delete('workflows', id, current._etag).catch(() => undefined);
  }

  async isMarked(marker: string): Promise<boolean> {
    return !!(await this.store.get('workflows', marker));
  }

  /** A fact about the index itself (e.g. that older documents were added), create-if-absent. */
  async mark(marker: string): Promise<void> {
    await writeIfUnchanged(this.store, 'workflows', marker, undefined, {
      kind: 'marker',
      at: this.clock.now().toISOString(),
    });
  }

  async waitersOf(workflow: string, instanceId: string): Promise<string[]> {
    return (await this.store.get<WaitersEntry>('workflows', waitersId(workflow, instanceId)))?.waiters ?? [];
  }
}
