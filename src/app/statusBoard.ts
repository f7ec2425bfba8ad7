import type { OperationalStatus } from '../domain/operationalStatus';
import type { Clock } from '../ports/clock';
import type { DocumentStore } from '../ports/documentStore';
import type { PeriodicJob } from './jobs';
import type { Leases } from './leases';
import { readOperationalStatus, StatusSources } from './operationalStatus';

interface StatusSnapshot {
  at: string;
  status: OperationalStatus;
}

const REFRESH_MS = 60_000;
const SNAPSHOT_ID = 'status';

/**
 * The operational figures without a scan per probe: one instance (holding a lease) counts them every minute
 * and keeps the result in `snapshots`; every instance keeps the latest in memory. /healthz answers from
 * memory only; `status` and the API ask for a fresh count (admins, rarely).
 */
export class StatusBoard {
  private latest?: StatusSnapshot;
  private storeReachable = true;

  constructor(
    private readonly deps: StatusSources & { store: DocumentStore; leases: Leases; clock: Clock },
    private readonly startedAt: number = Date.now(),
  ) {}

  /** Counts now (and shares the result with the other instances). */
  async fresh(): Promise<OperationalStatus> {
    const status = await readOperationalStatus(this.deps);
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

  /** Liveness and readiness, from memory. */
  health(version: string): { ok: boolean; body: Record<string, unknown> } {
    const warnings = this.latest?.status.warnings.length ?? 0;
    const status = !this.storeReachable ? 'unavailable' : warnings ? 'degraded' : 'ok';
    return {
      ok: this.storeReachable,
      body: {
        status,
        version,
        uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
        store: { kind: this.deps.store.kind, reachable: this.storeReachable },
        checkedAt: this.latest?.at,
        warnings,
      },
    };
  }

  job(): PeriodicJob {
    return { name: 'status-snapshot', intervalMs: REFRESH_MS, run: () => this.refresh() };
  }
}
