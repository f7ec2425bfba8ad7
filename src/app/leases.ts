import { randomUUID } from 'node:crypto';
import type { Clock } from '../ports/clock';
import type { DocumentStore } from '../ports/documentStore';
import { writeIfUnchanged } from './documentChanges';

interface Lease {
  token: string;
  until: string;
}

/** WORK_LEASE_SECONDS' default: how long a claim holds without being renewed. */
export const DEFAULT_WORK_LEASE_MS = 30_000;
/** Work that runs longer than this stops renewing its claim, so a hung piece of work is taken over. */
export const MAX_HOLD_MS = 15 * 60_000;

/**
 * Keeps a claim alive while its work runs: `renew` is called every third of the lease and answers whether
 * the claim is still ours. A process that dies renews nothing, so its claims lapse within one lease and
 * another instance takes the work over; one that is alive never loses a claim to a slow answer. Renewals
 * and the holder's own writes to the claimed document (`exclusive`) never overlap, so a write always
 * carries the etag of the last renewal.
 */
export class RenewedClaim {
  private chain: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private lostIt = false;

  constructor(
    renew: () => Promise<boolean>,
    leaseMs: number,
    onError: (err: unknown) => void = () => undefined,
    maxHoldMs = MAX_HOLD_MS,
  ) {
    const started = Date.now();
    this.timer = setInterval(
      () =>
        void this.exclusive(async () => {
          if (this.lostIt || !this.timer) return;
          if (Date.now() - started > maxHoldMs) return this.stopRenewing();
          try {
            if (!(await renew())) {
              this.lostIt = true;
              this.stopRenewing();
            }
          } catch (err) {
            onError(err); // tried again at the next tick; if the store stays down, the claim lapses
          }
        }),
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    this.timer.unref();
  }

  /** Another instance took the claim over (this one hung past its lease): its work must not go on. */
  get lost(): boolean {
    return this.lostIt;
  }

  /** Runs `write` between renewals (never during one). */
  exclusive<T>(write: () => Promise<T>): Promise<T> {
    const run = this.chain.then(write);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** No more renewals; resolves once one under way has finished. */
  async stop(): Promise<void> {
    this.stopRenewing();
    await this.chain;
  }

  private stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * Named leases in the `leases` container: work that only one of several instances should do (an hourly
 * job, a level check once a minute) is claimed here by etag first. A lease lapses by itself.
 */
export class Leases {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
    private readonly workLeaseMs = DEFAULT_WORK_LEASE_MS,
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

  /**
   * Runs `work` under `name` unless another instance holds it: a short lease (WORK_LEASE_SECONDS), renewed
   * while the work runs and given back after, so a crash frees it within one lease. Answers whether it ran.
   */
  async hold<T>(name: string, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const token = await this.take(name, this.workLeaseMs);
    if (!token) return { ran: false };
    const claim = new RenewedClaim(() => this.renew(name, token), this.workLeaseMs);
    try {
      return { ran: true, value: await work() };
    } finally {
      await claim.stop();
      await this.release(name, token).catch(() => undefined); // else it lapses by itself
    }
  }

  private async renew(name: string, token: string): Promise<boolean> {
    const current = await this.store.get<Lease>('leases', name);
    if (current?.token !== token) return false;
    const until = new Date(this.clock.now().getTime() + this.workLeaseMs).toISOString();
    return !!(await writeIfUnchanged(this.store, 'leases', name, current, { token, until }));
  }
}
