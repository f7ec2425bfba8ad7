import { randomUUID } from 'node:crypto';
import type { Clock } from '../ports/clock';
import type { DocumentStore } from '../ports/documentStore';

export interface AuditEvent {
  /** What the event is about: an address, a request id, a mail id… */
  subject: string;
  action: string;
  actorId: string;
  actorName?: string;
  at: string;
  before?: unknown;
  after?: unknown;
  detail?: string;
}

/** Append-only history: one document per event, never updated. */
export class AuditLog {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async record(event: Omit<AuditEvent, 'at'> & { at?: string }): Promise<AuditEvent> {
    const full: AuditEvent = {
      ...event,
      subject: event.subject.toLowerCase(),
      at: event.at ?? this.clock.now().toISOString(),
    };
    await this.store.create('audit', `${full.at}:${randomUUID()}`, full);
    return full;
  }

  async about(subject: string, limit = 50): Promise<AuditEvent[]> {
    return this.store.query<AuditEvent>(
      'audit',
      { subject: subject.toLowerCase() },
      { orderBy: 'at', limit },
    );
  }
}
