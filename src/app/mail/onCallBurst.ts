import { SendWindow, TEAMS_CONVERSATION_WINDOWS, timeToSend } from '../../domain/sendWindows';
import { MARGIN_MS } from '../pacing/teamsSendBudget';
import type { Logger } from '../../log/logger';
import type { ChatPort, PostedMessage } from '../../ports/chat';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, Stored } from '../../ports/documentStore';
import type { BackgroundWork } from '../background';
import type { ConversationDirectory } from '../conversations';
import { writeIfUnchanged } from '../documentChanges';
import type { PeriodicJob } from '../jobs';
import type { Leases } from '../leases';
import { BurstView, mailBurstCardFor } from './mailCard';
import type { MailRecord, MailRecords } from './mailRecords';

/** `mailBursts/oncall`: the burst summary card in the on-call channel, shared by every instance. */
interface BurstDoc {
  state: 'open' | 'over';
  startedAt: string;
  card: PostedMessage;
  /** What the card shows now, and when it was last changed (ms, real time). */
  shown: number;
  shownAt: number;
  /** The most mails that waited at once. */
  peak: number;
}

/**
 * More mails waiting than Teams takes into one conversation in its 30-second window (60): the last card would
 * come more than half a minute after the first, and on-call gets a summary card at once.
 */
const SUMMARY_AFTER = 60;
/** How often an instance with a busy on-call lane looks at the backlog; the summary changes at most every UPDATE_MS. */
const LOOK_MS = 3_000;
const UPDATE_MS = 10_000;
const WAITING_READ = 500;
const DOC_ID = 'oncall';
const LEASE = 'mail-burst-summary';

export interface OnCallBurstDeps {
  store: DocumentStore;
  records: Pick<MailRecords, 'waitingForOnCall'>;
  chat: Pick<ChatPort, 'postToChannel' | 'update'>;
  conversations: Pick<ConversationDirectory, 'channelFor'>;
  leases: Pick<Leases, 'take' | 'release'>;
  background: Pick<BackgroundWork, 'run'>;
  clock: Clock;
  logger: Logger;
  /** Teams' limits per conversation the chat port paces to (TEAMS_CONVERSATION_WINDOWS unless told). */
  sendWindows?: readonly SendWindow[];
  /** Real time (ms): how often the card changes is about Teams' pace, not the app's clock. */
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * What the on-call channel shows when more mails arrive than Teams lets the bot post at once (a mass account
 * creation): one summary card at once — how many mails wait for their card, which accounts have codes among
 * them, when the last card should come — updated in place as mails arrive and cards go out, and closed once
 * every mail has its card. The mails' own cards keep coming one by one, in order, at Teams' pace.
 *
 * An instance whose on-call lane backs up watches the backlog of every instance (the mails still
 * `processing`); whoever holds the `mail-burst-summary` lease at a look posts or updates the card.
 */
export class OnCallBurst {
  private watching = false;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: OnCallBurstDeps) {
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The relay's on-call lane has cards waiting: watch the backlog until it is gone and the summary closed. */
  laneBacklog(stillBusy: () => boolean): void {
    if (this.watching) return;
    this.watching = true;
    this.deps.background.run('mail burst summary', async () => {
      try {
        for (;;) {
          const open = await this.look().catch((err) => {
            this.deps.logger.warn({ err }, 'could not look at the on-call backlog');
            return true;
          });
          if (!open && !stillBusy()) return;
          await this.sleep(LOOK_MS);
        }
      } finally {
        this.watching = false;
      }
    });
  }

  /** A summary left open (its instance went away mid-burst) is brought up to date, and closed, by any instance. */
  job(): PeriodicJob {
    return {
      name: 'mail-burst-summary',
      intervalMs: 30_000,
      run: async () => {
        // A read while none is open (the usual case); the look reads it again under the lease.
        const doc = await this.deps.store.get<BurstDoc>('mailBursts', DOC_ID);
        if (doc?.state === 'open') await this.look();
      },
    };
  }

  /** One look: opens, updates or closes the summary (lease holder only). Answers whether a summary is open. */
  async look(): Promise<boolean> {
    const { store, leases } = this.deps;
    const token = await leases.take(LEASE, LOOK_MS);
    // Another instance is looking: it opens or keeps the summary (read after it, so never a second card).
    if (!token) return (await store.get<BurstDoc>('mailBursts', DOC_ID))?.state === 'open';
    try {
      return await this.lookHolding(await store.get<BurstDoc>('mailBursts', DOC_ID));
    } finally {
      await leases.release(LEASE, token).catch(() => undefined); // else it lapses by itself
    }
  }

  private async lookHolding(doc: Stored<BurstDoc> | undefined): Promise<boolean> {
    const { records, now } = this.deps;
    const waiting = await records.waitingForOnCall(WAITING_READ);
    if (doc?.state !== 'open') {
      if (waiting.length <= SUMMARY_AFTER) return false;
      return this.open(doc, waiting);
    }
    if (waiting.length === 0) {
      const at = this.deps.clock.now().toISOString();
      const view: BurstView = { state: 'over', since: doc.startedAt, peak: doc.peak, at };
      await this.show(doc, view, { ...doc, state: 'over', shown: 0, shownAt: now() });
      this.deps.logger.info({ peak: doc.peak }, 'mail burst over: every mail has its card');
      return false;
    }
    if (waiting.length !== doc.shown && now() - doc.shownAt >= UPDATE_MS)
      await this.show(doc, this.openView(doc.startedAt, waiting), {
        ...doc,
        shown: waiting.length,
        shownAt: now(),
        peak: Math.max(doc.peak, waiting.length),
      });
    return true;
  }

  private async open(previous: Stored<BurstDoc> | undefined, waiting: MailRecord[]): Promise<boolean> {
    const { store, chat, conversations, logger, now } = this.deps;
    const channel = await conversations.channelFor('oncall');
    if (!channel) return false;
    const startedAt = waiting[0].startedAt;
    const card = await chat.postToChannel(channel.reference, {
      card: mailBurstCardFor(this.openView(startedAt, waiting)),
    });
    const doc: BurstDoc = {
      state: 'open',
      startedAt,
      card,
      shown: waiting.length,
      shownAt: now(),
      peak: waiting.length,
    };
    await writeIfUnchanged(store, 'mailBursts', DOC_ID, previous, doc);
    logger.warn(
      { waiting: waiting.length },
      'mail burst: more mails wait for the on-call channel than Teams takes at once; summary posted',
    );
    return true;
  }

  private openView(since: string, waiting: MailRecord[]): BurstView {
    const left = timeToSend(waiting.length, this.deps.sendWindows ?? TEAMS_CONVERSATION_WINDOWS, MARGIN_MS);
    return {
      state: 'open',
      waiting,
      more: waiting.length >= WAITING_READ,
      since,
      doneBy: new Date(this.deps.clock.now().getTime() + left).toISOString(),
    };
  }

  /** Changes the card, then records what it shows (by etag: one instance changes it per look). */
  private async show(doc: Stored<BurstDoc>, view: BurstView, next: BurstDoc): Promise<void> {
    const written = await writeIfUnchanged(this.deps.store, 'mailBursts', DOC_ID, doc, next);
    if (!written) return;
    await this.deps.chat.update(doc.card, { card: mailBurstCardFor(view) });
  }
}
