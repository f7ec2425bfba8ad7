import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '../domain/audit';
import type { Clock } from '../ports/clock';
import { AlreadyExistsError, DocumentStore } from '../ports/documentStore';

/** Append-only history in the `audit` container: one document per event, never updated. */
export class AuditLog {
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
    try {
      await this.store.create('audit', id, full);
    } catch (err) {
      if (!(once && err instanceof AlreadyExistsError)) throw err;
    }
    return full;
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
