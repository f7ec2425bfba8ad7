import type { Activity, ConversationReference } from 'botbuilder';
import { TurnContext } from 'botbuilder';
import { AlreadyExistsError, DocumentStore } from '../ports/documentStore';
import type { Clock } from '../ports/clock';

export interface ConversationRecord {
  kind: 'personal' | 'channel' | 'groupChat';
  tenantId?: string;
  teamId?: string;
  channelId?: string;
  serviceUrl: string;
  /** For personal chats: the user's Entra object id. */
  userId?: string;
  reference: Partial<ConversationReference>;
  storedAt: string;
}

/** Roles a channel can be given by an admin with `setup oncall` / `setup approvals`. */
export type ChannelRole = 'oncall' | 'approvals';

export interface ChannelSetting {
  role: ChannelRole;
  reference: Partial<ConversationReference>;
  teamId?: string;
  channelName?: string;
  setBy: string;
  setAt: string;
}

/**
 * Where the bot can post later: conversation references stored when the bot is installed or spoken to,
 * and the channels an admin gave a role.
 */
export class ConversationDirectory {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  /** Stores the reference of the activity's conversation (always refreshed: serviceUrl can change). */
  async remember(activity: Partial<Activity>): Promise<ConversationRecord> {
    const record = toRecord(activity, this.clock.now());
    await this.store.upsert('conversations', activity.conversation!.id, record);
    if (record.kind === 'personal' && record.userId) {
      await this.store.upsert('conversations', personalKey(record.userId), record);
    }
    return record;
  }

  /**
   * Cheap first-contact write for personal chats: a point read on every message, and a create-if-absent
   * only for a user not yet known (two first messages at once: one create wins, the other is a no-op).
   */
  async rememberPersonalChat(activity: Partial<Activity>): Promise<void> {
    const record = toRecord(activity, this.clock.now());
    if (record.kind !== 'personal' || !record.userId) return;
    if (await this.store.get('conversations', personalKey(record.userId))) return;
    try {
      await this.store.create('conversations', personalKey(record.userId), record);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
  }

  async personalChatOf(userId: string): Promise<ConversationRecord | undefined> {
    return this.store.get<ConversationRecord>('conversations', personalKey(userId.toLowerCase()));
  }

  async byConversationId(conversationId: string): Promise<ConversationRecord | undefined> {
    return this.store.get<ConversationRecord>('conversations', conversationId);
  }

  /** Any known serviceUrl and tenant, used to open 1:1 chats with users who never spoke to the bot. */
  async anyServiceUrl(): Promise<{ serviceUrl: string; tenantId?: string } | undefined> {
    const [first] = await this.store.query<ConversationRecord>('conversations', {}, { limit: 1 });
    return first ? { serviceUrl: first.serviceUrl, tenantId: first.tenantId } : undefined;
  }

  async setChannelRole(
    role: ChannelRole,
    activity: Partial<Activity>,
    setBy: string,
  ): Promise<ChannelSetting> {
    const reference = TurnContext.getConversationReference(activity);
    const channelData = (activity.channelData ?? {}) as Record<string, { id?: string; name?: string }>;
    const setting: ChannelSetting = {
      role,
      reference,
      teamId: channelData.team?.id,
      channelName: channelData.channel?.name,
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

function personalKey(userId: string): string {
  return `user:${userId}`;
}

function toRecord(activity: Partial<Activity>, now: Date): ConversationRecord {
  const channelData = (activity.channelData ?? {}) as Record<string, { id?: string } | undefined>;
  const type = activity.conversation?.conversationType;
  const kind: ConversationRecord['kind'] =
    type === 'channel' ? 'channel' : type === 'groupChat' ? 'groupChat' : 'personal';
  const reference = TurnContext.getConversationReference(activity);
  return {
    kind,
    tenantId: channelData.tenant?.id ?? activity.conversation?.tenantId,
    teamId: channelData.team?.id,
    channelId: channelData.channel?.id,
    serviceUrl: activity.serviceUrl!,
    userId: kind === 'personal' ? activity.from?.aadObjectId?.toLowerCase() : undefined,
    reference,
    storedAt: now.toISOString(),
  };
}
