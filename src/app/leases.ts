import { randomUUID } from 'node:crypto';
import type { Clock } from '../ports/clock';
import type { DocumentStore } from '../ports/documentStore';
import { writeIfUnchanged } from './documentChanges';

interface Lease {
  token: string;
  until: string;
}

/**
 * Named leases in the `leases` container: work that only one of several instances should do (an hourly
 * job, a level check once a minute) is claimed here by etag first. A lease lapses by itself.
 */
export class Leases {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  /** Takes `name` for `ms` unless it is held now; answers the token to release it with, or undefined. */
  async take(name: string, ms: number): Promise<string | undefined> {
    const now = this.clock.now();
    const current = await this.store.get<Lease>('leases', name);
    if (current && Date.parse(current.until) > now.getTime()) return undefined;
    const next: Lease = { token: randomUUID(), until: new Date(now.getTime() + ms).toISOString() };
    return (await writeIfUnchanged(this.store, 'leases', name, current, next)) ? next.token : undefined;
  }

  /** Gives the lease back early (the work failed), so the next run need not wait for it to lapse. */
  async release(name: string, token: string): Promise<void> {
    const current = await this.store.get<Lease>('leases', name);
    if (current?.token !== token) return;
    await writeIfUnchanged(this.store, 'leases', name, current, { token, until: new Date(0).toISOString() });
  }
}
