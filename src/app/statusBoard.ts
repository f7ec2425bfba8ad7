import type { OperationalStatus } from '../domain/operationalStatus';
import { dayOf, PoolLevelsDay } from '../domain/poolForecast';
import type { Clock } from '../ports/clock';
import { AlreadyExistsError, DocumentStore } from '../ports/documentStore';
import type { PeriodicJob } from './jobs';
import type { Leases } from './leases';
import { readOperationalStatus, StatusSources } from './operationalStatus';

interface StatusSnapshot {
  at: string;
  status: OperationalStatus;
}

const REFRESH_MS = 60_000;
const SNAPSHOT_ID = 'status';
const POOL_LEVELS = 'pool-levels';
/** How often an instance looks whether today's pool levels are kept yet (the first look of a day counts). */
const POOL_LEVELS_CHECK_MS = 60 * 60_000;

type StoredPoolLevels = PoolLevelsDay & { kind: typeof POOL_LEVELS };

/**
 * The operational figures without a scan per probe: one instance (holding a lease) counts them every minute
 * and keeps the result in `snapshots`; every instance keeps the latest in memory. /healthz answers from
 * memory only; `status` and the API ask for a fresh count (admins, rarely). Once a day the pool's levels
 * are kept there too (`pool-levels:<date>`), for the tab's chart of the pool over time.
 */
export class StatusBoard {
  private latest?: StatusSnapshot;
  private storeReachable = true;

  constructor(
    private readonly deps: StatusSources & {
      store: DocumentStore;
      leases: Leases;
      clock: Clock;
      /** The instance this process is (WEBSITE_INSTANCE_ID, else the host): `status` says who answered. */
      instance: string;
    },
    private readonly startedAt: number = Date.now(),
  ) {}

  /** Counts now (and shares the result with the other instances). */
  async fresh(): Promise<OperationalStatus> {
    const status = { instance: this.deps.instance, ...(await readOperationalStatus(this.deps)) };
    this.storeReachable = status.store.reachable;
    if (status.store.reachable) {
      this.latest = { at: this.deps.clock.now().toISOString(), status };
      await this.deps.store.upsert('snapshots', SNAPSHOT_ID, this.latest);
    }
    return status;
  }

  /** The job: the lease holder counts; the others read what it wrote. Either way the store is pinged. */
  async refresh(): Promise<void> {
    const { store, leases } = this.deps;
    this.storeReachable = await store.ping();
    if (!this.storeReachable) return;
    if (await leases.take('status-snapshot', REFRESH_MS - 5_000)) {
      await this.fresh();
      return;
    }
    const shared = await store.get<StatusSnapshot>('snapshots', SNAPSHOT_ID);
    if (shared) this.latest = { at: shared.at, status: shared.status };
  }

  /**
   * Keeps today's pool levels (UTC day), once: the instance holding the lease counts and creates the day's
   * document; create-if-absent makes a second write of the same day impossible even if leases overlap.
   * Answers whether this call wrote it.
   */
  async recordPoolLevels(): Promise<boolean> {
    const { store, leases, clock, pool } = this.deps;
    const now = clock.now();
    const date = dayOf(now);
    const id = `${POOL_LEVELS}:${date}`;
    if (await store.get('snapshots', id)) return false;
    if (!(await leases.take(POOL_LEVELS, 10 * 60_000))) return false;
    const status = await pool.status();
    const levels: StoredPoolLevels = {
      kind: POOL_LEVELS,
      date,
      at: now.toISOString(),
      ...status.totals,
      mailboxes: status.mailboxes.map(({ mailbox, free, assigned, quarantined, capacity }) => ({
        mailbox,
        free,
        assigned,
        quarantined,
        capacity,
      })),
    };
    try {
      await store.create('snapshots', id, levels);
      return true;
    } catch (err) {
      if (err instanceof AlreadyExistsError) return false;
      throw err;
    }
  }

  /**
   * Days of levels from before this store existed (a local run's demo history), each create-if-absent:
   * a day already kept is left as it is.
   */
  async keepPastLevels(days: readonly PoolLevelsDay[]): Promise<number> {
    const created = await this.deps.store.createMany(
      'snapshots',
      days.map((day) => ({ id: `${POOL_LEVELS}:${day.date}`, doc: { kind: POOL_LEVELS, ...day } })),
    );
    return created.filter(Boolean).length;
  }

  /** The kept daily levels of the last `days` days, oldest first. */
  async poolHistory(days: number): Promise<PoolLevelsDay[]> {
    const kept = await this.deps.store.query<StoredPoolLevels>(
      'snapshots',
      { kind: POOL_LEVELS },
      { orderBy: 'date', descending: true, limit: days },
    );
    return kept.reverse().map(({ date, at, free, assigned, quarantined, capacity, mailboxes }) => ({
      date,
      at,
      free,
      assigned,
      quarantined,
      capacity,
      mailboxes,
    }));
  }

  /** Liveness and readiness, from memory. */
  /**
   * `about`: what runs — the app's version and the Node.js version, as operators check them after a deploy —
   * and the instance that answers (several run behind App Service's load balancer).
   */
  health(about: { version: string; node: string; instance: string }): {
    ok: boolean;
    body: Record<string, unknown>;
  } {
    const warnings = this.latest?.status.warnings.length ?? 0;
    const status = !this.storeReachable ? 'unavailable' : warnings ? 'degraded' : 'ok';
    return {
      ok: this.storeReachable,
      body: {
        status,
        ...about,
        uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
        store: { kind: this.deps.store.kind, reachable: this.storeReachable },
        checkedAt: this.latest?.at,
        warnings,
      },
    };
  }

  jobs(): PeriodicJob[] {
    return [
      { name: 'status-snapshot', intervalMs: REFRESH_MS, run: () => this.refresh() },
      {
        name: 'pool-levels-daily',
        intervalMs: POOL_LEVELS_CHECK_MS,
        run: () => this.recordPoolLevels().then(() => undefined),
      },
    ];
  }
}
