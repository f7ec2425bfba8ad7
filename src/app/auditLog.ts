import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '../domain/audit';
import type { Clock } from '../ports/clock';
import { AlreadyExistsError, DocumentStore } from '../ports/documentStore';
import { WriteBatches } from './writeBatches';

/** Audit writes in flight at once from this process; more events wait and go in one bulk create. */
const LANES = 4;

interface PendingEvent {
  id: string;
  doc: AuditEvent;
  error?: unknown;
}

/** Append-only history in the `audit` container: one document per event, never updated. */
export class AuditLog {
  /**
   * Events recorded while LANES writes are in flight go to the store together, in one bulk create (a burst of
   * allocations or decisions: a few round trips instead of one per event).
   */
  private readonly writes = new WriteBatches<'audit', PendingEvent>((_, events) => this.write(events), LANES);

  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  /**
   * Appends an event. With `once`, at most one event under that name per subject (create-if-absent): work
   * that may run again after a crash records what it did without recording it twice, and can make sure an
   * event a crash cut off (between the change and its record) is there.
   */
  async record(
    event: Omit<AuditEvent, 'at'> & { at?: string },
    { once }: { once?: string } = {},
  ): Promise<AuditEvent> {
    const full: AuditEvent = {
      ...event,
      subject: event.subject.toLowerCase(),
      at: event.at ?? this.clock.now().toISOString(),
    };
    const id = once ? `once:${full.subject}:${once}` : `${full.at}:${randomUUID()}`;
    const pending: PendingEvent = { id, doc: full };
    await this.writes.add('audit', [pending]);
    if (pending.error) throw pending.error;
    return full;
  }

  /**
   * Several events in one bulk create; one at a time when alone, or when the bulk create failed (Cosmos DB
   * throttling it, say: a single create waits out a 429 as Cosmos DB asks). An id that exists already is an
   * event recorded before (`once`), or by the bulk create that failed after writing it. Each event keeps its
   * own error.
   */
  private async write(events: PendingEvent[]): Promise<void> {
    if (events.length > 1) {
      const taken = await this.store.createMany('audit', events).then(
        () => true,
        () => false,
      );
      if (taken) return;
    }
    for (const event of events) {
      try {
        await this.store.create('audit', event.id, event.doc);
      } catch (err) {
        if (!(err instanceof AlreadyExistsError)) event.error = err;
      }
    }
  }

  async about(subject: string, limit = 50): Promise<AuditEvent[]> {
    const found = await this.store.query<AuditEvent>(
      'audit',
      { subject: subject.toLowerCase() },
      { orderBy: 'at', limit },
    );
    return found.map(eventOf);
  }

  /** What one person did of one kind, newest first (e.g. `request.created`: the requests they asked for). */
  async byActor(actorId: string, action: string, limit = 20): Promise<AuditEvent[]> {
    const found = await this.store.query<AuditEvent>(
      'audit',
      { actorId: actorId.toLowerCase(), action },
      { orderBy: 'at', descending: true, limit },
    );
    return found.map(eventOf);
  }
}

function eventOf({
  subject: s,
  action,
  actorId,
  actorName,
  at,
  before,
  after,
  detail,
}: AuditEvent): AuditEvent {
  return {
    subject: s,
    action,
    actorId,
    actorName,
    at,
    before,
    after,
    detail,
  };
}
