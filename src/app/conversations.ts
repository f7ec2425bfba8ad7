import type { ConversationRef } from '../ports/chat';
import type { Clock } from '../ports/clock';
import type { DocumentStore } from '../ports/documentStore';
import { writeIfUnchanged } from './documentChanges';

/** A conversation as the Teams edge saw it in an activity. */
export interface ConversationFacts {
  kind: 'personal' | 'channel' | 'groupChat';
  tenantId?: string;
  teamId?: string;
  channelId?: string;
  channelName?: string;
  serviceUrl: string;
  /** For personal chats: the user's Entra object id (lower case). */
  userId?: string;
  reference: ConversationRef;
}

export interface ConversationRecord extends ConversationFacts {
  storedAt: string;
}

/** Roles a channel can be given by an admin with `setup oncall` / `setup approvals`. */
export type ChannelRole = 'oncall' | 'approvals';

export interface ChannelSetting {
  role: ChannelRole;
  reference: ConversationRef;
  teamId?: string;
  channelName?: string;
  setBy: string;
  setAt: string;
}

/**
 * Where the bot can post later: conversation references (`conversations`, stored when the bot is installed
 * or spoken to) and the channels an admin gave a role (`settings`, `channel:<role>`).
 */
export class ConversationDirectory {
  /**
   * People whose personal chat is known to be stored: a record, once written, is never removed, so a person
   * seen once needs no point read on every later message (it was the one store read of a `help` turn).
   */
  private readonly knownPersonalChats = new Set<string>();

  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  /**
   * Stores the conversation (always refreshed: the serviceUrl can change). `firstContact` is true when a
   * personal chat's user was not known before (create-if-absent, so of two installs at once only one is
   * first): Teams and the Agents Playground repeat install events, a first contact happens once.
   */
  async remember(facts: ConversationFacts): Promise<ConversationRecord & { firstContact: boolean }> {
    const record: ConversationRecord = { ...facts, storedAt: this.clock.now().toISOString() };
    await this.store.upsert('conversations', facts.reference.conversation!.id, record);
    let firstContact = false;
    if (record.kind === 'personal' && record.userId) {
      const key = personalKey(record.userId);
      firstContact =
        (await writeIfUnchanged(this.store, 'conversations', key, undefined, record)) !== undefined;
      if (!firstContact) await this.store.upsert('conversations', key, record);
    }
    return { ...record, firstContact };
  }

  /**
   * Cheap first-contact write for personal chats: a point read on every message, and a create-if-absent
   * only for a user not yet known (two first messages at once: one create wins, the other is a no-op).
   * Answers true when the user was not known before (a first contact).
   */
  async rememberPersonalChat(facts: ConversationFacts): Promise<boolean> {
    if (facts.kind !== 'personal' || !facts.userId) return false;
    if (this.knownPersonalChats.has(facts.userId)) return false;
    const key = personalKey(facts.userId);
    let firstContact = false;
    if (!(await this.store.get('conversations', key))) {
      const record: ConversationRecord = { ...facts, storedAt: this.clock.now().toISOString() };
      firstContact =
        (await writeIfUnchanged(this.store, 'conversations', key, undefined, record)) !== undefined;
    }
    if (this.knownPersonalChats.size >= KNOWN_CHATS_KEPT) this.knownPersonalChats.clear();
    this.knownPersonalChats.add(facts.userId);
    return firstContact;
  }

  async personalChatOf(userId: string): Promise<ConversationRecord | undefined> {
    return this.store.get<ConversationRecord>('conversations', personalKey(userId.toLowerCase()));
  }

  /** Any known serviceUrl and tenant, used to open 1:1 chats with users who never spoke to the bot. */
  async anyServiceUrl(): Promise<{ serviceUrl: string; tenantId?: string } | undefined> {
    const [first] = await this.store.query<ConversationRecord>('conversations', {}, { limit: 1 });
    return first ? { serviceUrl: first.serviceUrl, tenantId: first.tenantId } : undefined;
  }

  async setChannelRole(role: ChannelRole, facts: ConversationFacts, setBy: string): Promise<ChannelSetting> {
    const setting: ChannelSetting = {
      role,
      reference: facts.reference,
      teamId: facts.teamId,
      channelName: facts.channelName,
      setBy,
      setAt: this.clock.now().toISOString(),
    };
    await this.store.upsert('settings', `channel:${role}`, setting);
    return setting;
  }

  async channelFor(role: ChannelRole): Promise<ChannelSetting | undefined> {
    return this.store.get<ChannelSetting>('settings', `channel:${role}`);
  }
}

/** People remembered as known at most; beyond, the memory starts over (a point read each, once more). */
const KNOWN_CHATS_KEPT = 10_000;

function personalKey(userId: string): string {
  return `user:${userId}`;
}
