import { createHash } from 'node:crypto';
import {
  blockedUntil,
  emptyHistory,
  nextSendAt,
  SendHistory,
  SendWindow,
  TEAMS_CONVERSATION_WINDOWS,
  TEAMS_TENANT_WINDOW,
  withSend,
} from '../../domain/sendWindows';
import type { Logger } from '../../log/logger';
import type { ChatPacing } from '../../ports/chat';
import type { DocumentStore, Stored } from '../../ports/documentStore';
import { changeDocument, writeIfUnchanged } from '../documentChanges';

/** A conversation's sends as every instance sees them: `pacing/teams:<hash of the conversation id>`. */
interface ConversationBudget extends SendHistory {
  conversation: string;
}

/**
 * Widening of each window: the spread between the moment a send is booked and the moment Teams counts it
 * (the booking's own write, a process stalled on a busy machine, the network) and between the clocks of
 * instances (NTP keeps App Service's within milliseconds). Half a second costs little where it matters: 90
 * cards into one channel take 38 s instead of 36 (the 30-second window decides).
 */
export const MARGIN_MS = 500;
/** A send that has to wait longer than this reads the budget again before it books (others booked meanwhile). */
const REREAD_AFTER_MS = 250;
/** Conversations whose last budget version this instance keeps, to book with one write instead of two. */
const REMEMBERED = 500;
/**
 * Teams allows 50 calls a second per app and tenant; each instance keeps to 20 on its own (no shared document
 * for the busiest path of all), with the same margin: two instances, the default, stay well under it together.
 * More instances could reach it only if each fanned out at full speed at once; Teams would then answer 429,
 * which every instance that gets one waits out.
 */
const TENANT_SHARE: SendWindow = { ms: TEAMS_TENANT_WINDOW.ms, max: 20 };

/** The limits an instance paces its calls to Teams by. */
export interface TeamsLimits {
  /** Per bot and conversation. */
  conversation: readonly SendWindow[];
  /** This instance's share of the app's calls per tenant. */
  tenantShare: SendWindow;
}

/** Teams' published limits, and this instance's share of the tenant's. */
export const TEAMS_LIMITS: TeamsLimits = {
  conversation: TEAMS_CONVERSATION_WINDOWS,
  tenantShare: TENANT_SHARE,
};

const TENANT_MARGIN_MS = 250;

export interface TeamsSendBudgetDeps {
  store: DocumentStore;
  logger: Logger;
  /** Real time (ms): Teams counts real seconds, whatever clock the app is given (tests move theirs by hand). */
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** TEAMS_LIMITS unless told (tests that are not about pacing give wider ones). */
  limits?: TeamsLimits;
}

/**
 * Teams' send limits per conversation (7/1 s, 8/2 s, 60/30 s, 1,800/h per bot) kept by every instance
 * together: each send is booked, by etag, in the conversation's small budget document (`pacing`), at the
 * earliest moment that keeps every window, and goes out at that moment. A Retry-After blocks the conversation
 * for everyone. A quiet conversation costs one write per send (this instance remembers the version it wrote);
 * a busy one, a few more as instances take turns. If the store does not answer, this instance paces on its
 * own from what it remembers, rather than stop talking to Teams.
 */
export class TeamsSendBudget implements ChatPacing {
  /** Per conversation, this instance's sends one after another (its own order is kept). */
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly remembered = new Map<string, Stored<ConversationBudget>>();
  /** Only while the store does not answer: this instance's own view of a conversation. */
  private readonly fallback = new Map<string, SendHistory>();
  private tenant: SendHistory = emptyHistory();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly limits: TeamsLimits;

  constructor(private readonly deps: TeamsSendBudgetDeps) {
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.limits = deps.limits ?? TEAMS_LIMITS;
  }

  beforeSend(conversation: string | undefined): Promise<void> {
    if (!conversation) return this.tenantTurn();
    const previous = this.lanes.get(conversation) ?? Promise.resolve();
    const mine = previous.then(() => this.book(conversation));
    const settled = mine.catch(() => undefined);
    this.lanes.set(conversation, settled);
    void settled.then(() => {
      if (this.lanes.get(conversation) === settled) this.lanes.delete(conversation);
    });
    return mine;
  }

  /**
   * Teams does not say which limit a 429 is about (the conversation's, the tenant's, all bots' together): this
   * instance sends nothing at all until it has passed, and no instance sends into the conversation.
   */
  async throttled(conversation: string | undefined, waitMs: number): Promise<void> {
    const until = this.deps.now() + waitMs;
    this.deps.logger.warn(
      { conversation, waitMs },
      'Teams asked the bot to wait; this instance sends nothing until then, no instance into that conversation',
    );
    this.tenant = blockedUntil(this.tenant, until);
    if (!conversation) return;
    const id = budgetId(conversation);
    try {
      const { document } = await changeDocument<ConversationBudget>(
        this.deps.store,
        'pacing',
        id,
        (current) => ({
          ...blockedUntil(current ?? emptyHistory(), until),
          conversation,
        }),
      );
      if (document) this.remember(id, document);
    } catch (err) {
      this.deps.logger.warn({ err }, 'the store did not take a Retry-After; this instance keeps it alone');
      this.fallback.set(id, blockedUntil(this.fallback.get(id) ?? emptyHistory(), until));
    }
  }

  /**
   * Waits until one more send keeps every window, then books it at that very moment, by etag, and lets it go.
   * Booked when it leaves, not ahead: a send that leaves late (a busy event loop) never leaves a booking behind
   * that says otherwise. Two instances waking for the same moment: one books it, the other reads and waits again.
   */
  private async book(conversation: string): Promise<void> {
    const id = budgetId(conversation);
    const { now } = this.deps;
    for (;;) {
      const current = await this.latest(id);
      if (current === 'unavailable') return this.bookAlone(id);
      const asked = now();
      // Both the conversation's windows and this instance's share of the tenant's must allow it, now.
      const at = Math.max(
        nextSendAt(current ?? emptyHistory(), asked, this.limits.conversation, MARGIN_MS),
        this.tenantAllows(asked),
      );
      if (at > asked) {
        // Others may book meanwhile; a write over the version remembered would find out, so a read can wait.
        if (at - asked > REREAD_AFTER_MS) this.remembered.delete(id);
        await this.sleep(at - asked);
        continue;
      }
      this.takeTenantShare(asked); // taken before the write: no other send of this instance can have it
      const next: ConversationBudget = {
        ...withSend(current ?? emptyHistory(), asked, asked, this.limits.conversation, MARGIN_MS),
        conversation,
      };
      let booked: Stored<ConversationBudget> | undefined;
      try {
        booked = await writeIfUnchanged(this.deps.store, 'pacing', id, current, next);
      } catch (err) {
        this.storeFailed(err);
        return this.bookAlone(id);
      }
      if (booked) return this.remember(id, booked);
      // Another instance booked or was told to wait first: read its version (the share taken stays spent).
      this.remembered.delete(id);
    }
  }

  /** The budget as last seen (a read when not remembered); 'unavailable' when the store does not answer. */
  private async latest(id: string): Promise<Stored<ConversationBudget> | undefined | 'unavailable'> {
    const known = this.remembered.get(id);
    if (known) return known;
    try {
      const read = await this.deps.store.get<ConversationBudget>('pacing', id);
      if (read) this.remember(id, read);
      return read;
    } catch (err) {
      this.storeFailed(err);
      return 'unavailable';
    }
  }

  /** The store does not answer: pace this instance's sends on its own. */
  private async bookAlone(id: string): Promise<void> {
    const { now } = this.deps;
    for (;;) {
      const history = this.fallback.get(id) ?? this.remembered.get(id) ?? emptyHistory();
      const asked = now();
      const at = Math.max(
        nextSendAt(history, asked, this.limits.conversation, MARGIN_MS),
        this.tenantAllows(asked),
      );
      if (at > asked) {
        await this.sleep(at - asked);
        continue;
      }
      this.takeTenantShare(asked);
      this.fallback.set(id, withSend(history, asked, asked, this.limits.conversation, MARGIN_MS));
      return;
    }
  }

  /** A call into no conversation (a read): only this instance's share of the tenant's, and its Retry-After. */
  private async tenantTurn(): Promise<void> {
    for (;;) {
      const asked = this.deps.now();
      const at = this.tenantAllows(asked);
      if (at <= asked) return this.takeTenantShare(asked);
      await this.sleep(at - asked);
    }
  }

  /** When this instance's share of the tenant's calls (and a Retry-After it was given) allows one more. */
  private tenantAllows(now: number): number {
    return nextSendAt(this.tenant, now, [this.limits.tenantShare], TENANT_MARGIN_MS);
  }

  private takeTenantShare(at: number): void {
    this.tenant = withSend(this.tenant, at, at, [this.limits.tenantShare], TENANT_MARGIN_MS);
  }

  private remember(id: string, budget: Stored<ConversationBudget>): void {
    this.remembered.delete(id);
    this.remembered.set(id, budget);
    this.fallback.delete(id);
    if (this.remembered.size > REMEMBERED) this.remembered.delete(this.remembered.keys().next().value!);
  }

  private storeFailed(err: unknown): void {
    this.deps.logger.warn({ err }, 'the store did not answer; Teams sends are paced by this instance alone');
  }
}

/** Conversation ids are long and may hold characters a document id may not: a hash names the budget. */
function budgetId(conversation: string): string {
  return `teams:${createHash('sha256').update(conversation).digest('hex').slice(0, 40)}`;
}
