import { Activity, ActivityTypes, CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import { cardAttachment } from '../cards/cardTemplates';
import type { ChatMember, ChatPort, OutgoingMessage, PostedMessage } from '../ports/chat';

/**
 * The chat port over botbuilder's CloudAdapter. Every outbound call runs inside continueConversationAsync
 * so that the adapter builds an authenticated connector for the conversation's serviceUrl.
 */
export class BotFrameworkChat implements ChatPort {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly appId: string,
  ) {}

  async post(reference: Partial<ConversationReference>, message: OutgoingMessage): Promise<PostedMessage> {
    return this.within(reference, async (ctx) => {
      const result = await ctx.sendActivity(toActivity(message));
      return {
        conversationId: reference.conversation!.id,
        activityId: result?.id ?? '',
        serviceUrl: reference.serviceUrl!,
      };
    });
  }

  async postToChannel(
    reference: Partial<ConversationReference>,
    message: OutgoingMessage,
  ): Promise<PostedMessage> {
    const channelId = channelIdOf(reference);
    return this.withConnector(reference, async (connector) => {
      const result = await connector.conversations.createConversation({
        isGroup: true,
        channelData: { channel: { id: channelId } },
        activity: toActivity(message) as Activity,
        bot: reference.bot,
        members: [],
        tenantId: reference.conversation?.tenantId,
      } as never);
      return {
        conversationId: result.id,
        activityId: result.activityId ?? messageIdOf(result.id),
        serviceUrl: reference.serviceUrl!,
      };
    });
  }

  async postToUser(
    user: { aadObjectId: string; tenantId: string; serviceUrl: string },
    message: OutgoingMessage,
  ): Promise<PostedMessage> {
    const reference: Partial<ConversationReference> = {
      channelId: 'msteams',
      serviceUrl: user.serviceUrl,
      conversation: { id: 'new', tenantId: user.tenantId } as ConversationReference['conversation'],
    };
    const conversationId = await this.withConnector(reference, async (connector) => {
      const result = await connector.conversations.createConversation({
        isGroup: false,
        members: [{ id: user.aadObjectId, name: '' }],
        tenantId: user.tenantId,
        channelData: { tenant: { id: user.tenantId } },
      } as never);
      return result.id;
    });
    return this.post(
      {
        ...reference,
        conversation: {
          id: conversationId,
          tenantId: user.tenantId,
        } as ConversationReference['conversation'],
      },
      message,
    );
  }

  async update(posted: PostedMessage, message: OutgoingMessage): Promise<void> {
    const reference: Partial<ConversationReference> = {
      channelId: 'msteams',
      serviceUrl: posted.serviceUrl,
      conversation: { id: posted.conversationId } as ConversationReference['conversation'],
    };
    await this.within(reference, async (ctx) => {
      await ctx.updateActivity({ ...toActivity(message), id: posted.activityId });
    });
  }

  async getMember(
    reference: Partial<ConversationReference>,
    aadObjectId: string,
    teamId?: string,
  ): Promise<ChatMember | undefined> {
    const conversationId = teamId ?? reference.conversation!.id.split(';')[0];
    return this.withConnector(reference, async (connector) => {
      try {
        const member = await connector.conversations.getConversationMember(conversationId, aadObjectId);
        return {
          id: member.id,
          aadObjectId: (member as { aadObjectId?: string }).aadObjectId,
          name: member.name,
        };
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        if (status === 404 || status === 403) return undefined;
        throw err;
      }
    });
  }

  private async withConnector<T>(
    reference: Partial<ConversationReference>,
    work: (connector: ConnectorClient) => Promise<T>,
  ): Promise<T> {
    return this.within(reference, (ctx) =>
      work(ctx.turnState.get<ConnectorClient>(this.adapter.ConnectorClientKey)),
    );
  }

  /**
   * Runs `work` in a continued conversation and hands back its result or its error. The adapter would
   * otherwise pass an error to onTurnError and resolve, so a refused post would look like a success.
   */
  private async within<T>(
    reference: Partial<ConversationReference>,
    work: (ctx: TurnContext) => Promise<T>,
  ): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    await this.adapter.continueConversationAsync(this.appId, reference, async (ctx: TurnContext) => {
      try {
        outcome = { ok: true, value: await work(ctx) };
      } catch (error) {
        outcome = { ok: false, error };
      }
    });
    if (!outcome) throw new Error('the Bot Framework adapter did not run the outgoing call');
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
}

function toActivity(message: OutgoingMessage): Partial<Activity> {
  return {
    type: ActivityTypes.Message,
    text: message.text,
    attachments: message.card ? [cardAttachment(message.card)] : undefined,
  };
}

function channelIdOf(reference: Partial<ConversationReference>): string {
  return reference.conversation!.id.split(';')[0];
}

function messageIdOf(conversationId: string): string {
  return /;messageid=(\d+)/.exec(conversationId)?.[1] ?? conversationId;
}
