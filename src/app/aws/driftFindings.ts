import type { DriftFinding } from '../../domain/reconciliation';
import type { ReconcileRun } from '../../domain/reconcileRuns';
import type { PostedMessage } from '../../ports/chat';
import type { DocumentStore } from '../../ports/documentStore';
import { changeDocument } from '../documentChanges';
import { shardOf } from './shards';

/** A finding as it was last reported: its facts then, where its card is, and what a button did. */
export interface ReportedFinding {
  finding: DriftFinding;
  reportedAt: string;
  /** The card in the on-call channel (its own, or the digest it was listed on). */
  card?: PostedMessage;
  /** Listed on a digest card rather than a card of its own (no buttons). */
  digest?: boolean;
  /** A button acted on it: one action per finding, the first click wins. */
  action?: {
    verb: 'retire' | 'adopt' | 'remove';
    by: { id: string; name: string };
    at: string;
    outcome?: string;
    failed?: boolean;
  };
}

interface Shard {
  findings: Record<string, ReportedFinding>;
}

/** Enough shards that a few thousand findings stay far below a document's size limit. */
const SHARDS = 64;
const LAST_RUN = 'run:last';
const CURRENT_RUN = 'run:current';

/**
 * What reconciliation has reported, in `reconciliation`: the reported findings by subject (sharded over a
 * few documents, `findings:<n>`, so a run reads them with point reads whatever their number), the last run
 * (`run:last`) and the run in progress (`run:current`). The only code that reads or writes the container.
 */
export class DriftFindings {
  constructor(private readonly store: DocumentStore) {}

  /** Every reported finding, by subject. */
  async reported(): Promise<Map<string, ReportedFinding>> {
    const shards = await Promise.all(
      Array.from({ length: SHARDS }, (_, n) => this.store.get<Shard>('reconciliation', shardKey(n))),
    );
    const all = new Map<string, ReportedFinding>();
    for (const shard of shards)
      for (const [subject, f] of Object.entries(shard?.findings ?? {})) all.set(subject, f);
    return all;
  }

  async get(subject: string): Promise<ReportedFinding | undefined> {
    if (typeof subject !== 'string' || !subject || subject.length > 200) return undefined;
    const shard = await this.store.get<Shard>('reconciliation', shardKey(shardOf(subject, SHARDS)));
    return shard?.findings[subject];
  }

  /** Stores these as reported (replacing what was reported about the same subjects) and forgets `resolved`. */
  async save(reported: ReportedFinding[], resolved: string[]): Promise<void> {
    const byShard = new Map<number, { put: ReportedFinding[]; drop: string[] }>();
    const slot = (subject: string) => {
      const n = shardOf(subject, SHARDS);
      if (!byShard.has(n)) byShard.set(n, { put: [], drop: [] });
      return byShard.get(n)!;
    };
    for (const r of reported) slot(r.finding.subject).put.push(r);
    for (const subject of resolved) slot(subject).drop.push(subject);
    await Promise.all(
      [...byShard].map(([n, { put, drop }]) =>
        changeDocument<Shard>(this.store, 'reconciliation', shardKey(n), (doc) => {
          const findings = { ...(doc?.findings ?? {}) };
          for (const subject of drop) delete findings[subject];
          for (const r of put) findings[r.finding.subject] = r;
          return { findings };
        }),
      ),
    );
  }

  /**
   * Changes one reported finding with the etag of its shard; `decide` sees the latest version and answers
   * the next one, or undefined to leave it (e.g. someone else acted first).
   */
  async change(
    subject: string,
    decide: (current: ReportedFinding | undefined) => ReportedFinding | undefined,
  ): Promise<{ finding: ReportedFinding | undefined; changed: boolean }> {
    let latest: ReportedFinding | undefined;
    const { changed } = await changeDocument<Shard>(
      this.store,
      'reconciliation',
      shardKey(shardOf(subject, SHARDS)),
      (doc) => {
        latest = doc?.findings[subject];
        const next = decide(latest);
        if (!next) return undefined;
        latest = next;
        return { findings: { ...(doc?.findings ?? {}), [subject]: next } };
      },
    );
    return { finding: latest, changed };
  }

  async lastRun(): Promise<ReconcileRun | undefined> {
    return strip(await this.store.get<ReconcileRun>('reconciliation', LAST_RUN));
  }

  async saveLastRun(run: ReconcileRun): Promise<void> {
    await this.store.upsert('reconciliation', LAST_RUN, run);
  }

  async currentRun(): Promise<ReconcileRun | undefined> {
    return strip(await this.store.get<ReconcileRun>('reconciliation', CURRENT_RUN));
  }

  /** The run in progress (written at its start, cleared at its end); readers check its lease time. */
  async setCurrentRun(run: ReconcileRun | undefined): Promise<void> {
    if (run) await this.store.upsert('reconciliation', CURRENT_RUN, run);
    else await this.store.delete('reconciliation', CURRENT_RUN);
  }
}

function strip<T extends object>(doc: (T & { id?: string; _etag?: string }) | undefined): T | undefined {
  if (!doc) return undefined;
  const { id, _etag, ...rest } = doc;
  void id;
  void _etag;
  return rest as T;
}

function shardKey(n: number): string {
  return `findings:${n}`;
}
