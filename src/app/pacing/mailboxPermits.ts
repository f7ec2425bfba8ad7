import { createHash } from 'node:crypto';
import type { Logger } from '../../log/logger';
import type { DocumentStore } from '../../ports/documentStore';
import { ThrottledError } from '../../ports/errors';
import type { MailboxPort } from '../../ports/mailbox';
import { changeDocument } from '../documentChanges';

/**
 * `pacing/graph:<hash of the mailbox>`: who may send requests to the mailbox now, and how many at once. An
 * instance's entry lapses at `until` unless renewed, so a crashed instance's permits come back by themselves.
 */
interface PermitsDoc {
  mailbox: string;
  holders: Record<string, { permits: number; until: number }>;
  /** Instances that want permits and have none (until: their wish lapses unless renewed). */
  waiting: Record<string, number>;
  /** Graph asked for quiet on this mailbox (a Retry-After): nobody sends before it. */
  blockedUntil?: number;
}

/** Exchange Online serves an app at most four concurrent requests per mailbox. */
const MAILBOX_CONCURRENCY = 4;
/** A holder's entry lasts this long unless renewed (every third of it while it holds permits). */
const LEASE_MS = 15_000;
/** How often a holder looks whether others wait (and gives back what is beyond its share). */
const LOOK_MS = 500;
/** An instance waiting for permits asks again this often. */
const WAIT_MS = 200;
/** Permits are given back once this instance had nothing to send for this long. */
const IDLE_MS = 1_000;
/** Before a request starts, the shared document is read for a Retry-After another instance got, at most this often. */
const BLOCK_LOOK_MS = 50;
/** A throttled request is tried again at most this often (each after Graph's Retry-After). */
const RETRIES = 4;

export interface MailboxPermitsDeps {
  store: DocumentStore;
  logger: Logger;
  mailbox: string;
  /** This process, unique among the instances. */
  instanceId: string;
  /** Real time (ms). */
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Outlook's limit of four concurrent requests per mailbox, for the app as a whole: the instances share four
 * permits through one small document (by etag), each holding a few while it has requests to make — a fair share
 * when several want them — and renewing its hold while it works. A request runs only with a permit; when Graph
 * throttles anyway (429 MailboxConcurrency or ApplicationThrottled, or 503), the Retry-After is written to the
 * document so that every instance waits it out, and the request is tried again after it, at most RETRIES times.
 * If the store does not answer, this instance keeps to one request at a time on its own.
 */
export class MailboxPermits {
  /** Requests this instance may start (at most its share while others wait). */
  private held = 0;
  /** Permits its entry in the document claims: never fewer than its requests in flight. */
  private recorded = 0;
  private inFlight = 0;
  /** Requests of this instance waiting for a permit. */
  private wanting = 0;
  private blockedUntil = 0;
  /** The entry's lease as last written; no request starts on a hold about to lapse unrenewed. */
  private holdUntil = 0;
  private acquiring?: Promise<void>;
  private watching = false;
  private lastBusy = 0;
  private warnedAt = 0;
  private blockLookedAt = 0;
  private readonly wakeups: (() => void)[] = [];
  private readonly docId: string;
  private readonly me: string;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: MailboxPermitsDeps) {
    this.docId = `graph:${createHash('sha256').update(deps.mailbox.toLowerCase()).digest('hex').slice(0, 40)}`;
    this.me = deps.instanceId;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The mailbox port with every read of the mailbox (messages, delta pages) made with a permit. */
  pace(mailbox: MailboxPort): MailboxPort {
    return {
      createSubscription: (request) => mailbox.createSubscription(request),
      renewSubscription: (id, expiration) => mailbox.renewSubscription(id, expiration),
      fetchRawMessage: (messageId) => this.run(() => mailbox.fetchRawMessage(messageId)),
      delta: (deltaLink) => this.run(() => mailbox.delta(deltaLink)),
    };
  }

  /** Runs one request to the mailbox with a permit; a throttled one is tried again after its Retry-After. */
  async run<T>(request: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.permit();
      try {
        return await request();
      } catch (err) {
        if (!(err instanceof ThrottledError) || attempt >= RETRIES) throw err;
        await this.block(err.retryAfterSeconds * 1000 * (1 + Math.random() * 0.2) + Math.random() * 250);
      } finally {
        this.done();
      }
    }
  }

  /** Shutting down (a deployment replaces this instance): its permits go back at once, not when they lapse. */
  async release(): Promise<void> {
    const { store, now, mailbox } = this.deps;
    this.held = 0;
    if (this.recorded === 0) return;
    this.recorded = 0;
    await changeDocument<PermitsDoc>(store, 'pacing', this.docId, (current) => {
      const doc = live(current, mailbox, now());
      delete doc.holders[this.me];
      delete doc.waiting[this.me];
      return doc;
    }).catch((err) => this.storeFailed(err));
  }

  private async permit(): Promise<void> {
    this.wanting++;
    try {
      for (;;) {
        const { now } = this.deps;
        if (now() < this.blockedUntil) {
          await this.sleep(this.blockedUntil - now());
          continue;
        }
        if (this.inFlight < this.held && now() < this.holdUntil - LEASE_MS / 3) {
          this.inFlight++;
          this.lastBusy = now();
          if (!(await this.quietAsked())) return;
          this.inFlight--; // another instance was told to wait: so is this one
          continue;
        }
        await this.acquire();
      }
    } finally {
      this.wanting--;
    }
  }

  /** Whether Graph asked any instance for quiet on this mailbox (the document, read at most every BLOCK_LOOK_MS). */
  private async quietAsked(): Promise<boolean> {
    const { now, store } = this.deps;
    if (now() - this.blockLookedAt >= BLOCK_LOOK_MS) {
      this.blockLookedAt = now();
      const doc = await store.get<PermitsDoc>('pacing', this.docId).catch(() => undefined);
      this.blockedUntil = Math.max(this.blockedUntil, doc?.blockedUntil ?? 0);
    }
    return now() < this.blockedUntil;
  }

  private done(): void {
    this.inFlight--;
    this.lastBusy = this.deps.now();
    this.wakeups.splice(0).forEach((wake) => wake());
  }

  /** One exchange with the shared document at a time; when nothing could be had, waits a little. */
  private acquire(): Promise<void> {
    this.acquiring ??= (async () => {
      if (this.held >= MAILBOX_CONCURRENCY && this.deps.now() < this.holdUntil - LEASE_MS / 3) {
        // All four are ours already: only a request of ours finishing frees one.
        await new Promise<void>((wake) => this.wakeups.push(wake));
        return;
      }
      const got = await this.ask().catch((err) => {
        this.storeFailed(err);
        // Alone, the safe pace: one request at a time.
        this.held = Math.max(this.held, 1);
        this.holdUntil = this.deps.now() + LEASE_MS;
        return true;
      });
      if (got) return this.watch();
      // Nothing free: wait for a request of ours to finish, or ask again shortly.
      await Promise.race([this.sleep(WAIT_MS), new Promise<void>((wake) => this.wakeups.push(wake))]);
    })().finally(() => (this.acquiring = undefined));
    return this.acquiring;
  }

  /** Takes what is free up to this instance's need and fair share; else notes that it waits. Answers whether it got more. */
  private async ask(): Promise<boolean> {
    const { store, now, mailbox } = this.deps;
    const need = Math.min(MAILBOX_CONCURRENCY, this.inFlight + this.wanting);
    let take = 0;
    const { document } = await changeDocument<PermitsDoc>(store, 'pacing', this.docId, (current) => {
      const doc = live(current, mailbox, now());
      const others = Object.entries(doc.holders).filter(([who]) => who !== this.me);
      const free = MAILBOX_CONCURRENCY - others.reduce((n, [, h]) => n + h.permits, 0);
      take = Math.min(need, free, fairShare(doc, this.me));
      if (take > this.held) {
        delete doc.waiting[this.me];
        doc.holders[this.me] = { permits: Math.max(take, this.inFlight), until: now() + LEASE_MS };
        return doc;
      }
      const noted = (doc.waiting[this.me] ?? 0) > now() + LEASE_MS / 2;
      if (noted && !prunedAnything(current, doc)) return undefined; // nothing to write
      doc.waiting[this.me] = now() + LEASE_MS;
      return doc;
    });
    this.blockedUntil = Math.max(this.blockedUntil, document?.blockedUntil ?? 0);
    const mine = document?.holders[this.me];
    if (!mine || take <= this.held) return false;
    this.held = take;
    this.recorded = mine.permits;
    this.holdUntil = mine.until;
    return true;
  }

  /**
   * While this instance holds permits: renews its entry, gives back what is beyond its share when others
   * wait, and gives everything back once it has had nothing to send for IDLE_MS.
   */
  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    void (async () => {
      try {
        while (this.recorded > 0) {
          await this.sleep(LOOK_MS);
          await this.review().catch((err) => this.storeFailed(err));
        }
      } finally {
        this.watching = false;
      }
    })();
  }

  private async review(): Promise<void> {
    const { store, now, mailbox } = this.deps;
    const idle = this.inFlight === 0 && this.wanting === 0 && now() - this.lastBusy >= IDLE_MS;
    const current = await store.get<PermitsDoc>('pacing', this.docId);
    const doc = live(current ?? undefined, mailbox, now());
    this.blockedUntil = Math.max(this.blockedUntil, doc.blockedUntil ?? 0);
    const someoneWaits = Object.keys(doc.waiting).some((who) => who !== this.me);
    if (idle) this.held = 0;
    else if (someoneWaits) this.held = Math.min(this.held, fairShare(doc, this.me));
    const record = Math.max(this.held, this.inFlight);
    const renewDue = this.holdUntil - now() < (LEASE_MS * 2) / 3;
    if (record === this.recorded && !(record > 0 && renewDue)) return;
    const { document } = await changeDocument<PermitsDoc>(store, 'pacing', this.docId, (latest) => {
      const next = live(latest, mailbox, now());
      if (record === 0) delete next.holders[this.me];
      else next.holders[this.me] = { permits: record, until: now() + LEASE_MS };
      return next;
    });
    this.recorded = record;
    this.holdUntil = document?.holders[this.me]?.until ?? 0;
  }

  /** Graph asked for quiet: nobody, on any instance, sends to this mailbox before it has passed. */
  private async block(waitMs: number): Promise<void> {
    const { store, now, mailbox, logger } = this.deps;
    const until = now() + waitMs;
    this.blockedUntil = Math.max(this.blockedUntil, until);
    logger.warn(
      { mailbox, waitMs: Math.round(waitMs) },
      'Microsoft Graph throttled a mailbox request; every instance waits its Retry-After',
    );
    await changeDocument<PermitsDoc>(store, 'pacing', this.docId, (current) => ({
      ...live(current, mailbox, now()),
      blockedUntil: Math.max(until, current?.blockedUntil ?? 0),
    })).catch((err) => this.storeFailed(err));
  }

  private storeFailed(err: unknown): void {
    if (this.deps.now() - this.warnedAt < 30_000) return;
    this.warnedAt = this.deps.now();
    this.deps.logger.warn(
      { err },
      'the store did not answer about mailbox permits; this instance keeps to one request at a time',
    );
  }
}

/** The document without lapsed holders and wishes. */
function live(current: PermitsDoc | undefined, mailbox: string, now: number): PermitsDoc {
  const holders = Object.fromEntries(Object.entries(current?.holders ?? {}).filter(([, h]) => h.until > now));
  const waiting = Object.fromEntries(
    Object.entries(current?.waiting ?? {}).filter(([, until]) => until > now),
  );
  const blockedUntil = (current?.blockedUntil ?? 0) > now ? current!.blockedUntil : undefined;
  return { mailbox, holders, waiting, ...(blockedUntil ? { blockedUntil } : {}) };
}

function prunedAnything(current: PermitsDoc | undefined, pruned: PermitsDoc): boolean {
  return (
    Object.keys(current?.holders ?? {}).length !== Object.keys(pruned.holders).length ||
    Object.keys(current?.waiting ?? {}).length !== Object.keys(pruned.waiting).length
  );
}

/** An even split of the permits among the instances that hold or want some (this one included). */
function fairShare(doc: PermitsDoc, me: string): number {
  const contenders = new Set([me, ...Object.keys(doc.holders), ...Object.keys(doc.waiting)]);
  return Math.max(1, Math.floor(MAILBOX_CONCURRENCY / contenders.size));
}
