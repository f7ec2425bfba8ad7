/** One entry of the append-only history: who did what to which subject, and when. */
export interface AuditEvent {
  /** What the event is about: an address, a request id, `mail:<id>`, `channel:oncall`… (lower case). */
  subject: string;
  action: string;
  actorId: string;
  actorName?: string;
  at: string;
  before?: unknown;
  after?: unknown;
  detail?: string;
}
