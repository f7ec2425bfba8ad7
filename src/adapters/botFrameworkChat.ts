import { Activity, ActivityTypes, CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import { cardAttachment } from '../cards/cardTemplates';
import type { ChatMember, ChatPort, ConversationRef, OutgoingMessage, PostedMessage } from '../ports/chat';
import { DependencyUnavailableError, isOutage } from '../ports/errors';

/**
 * The chat port over botbuilder's CloudAdapter. Every outbound call runs inside continueConversationAsync
 * so that the adapter builds an authenticated connector for the conversation's serviceUrl.
 */
export class BotFrameworkChat implements ChatPort {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly appId: string,
  ) {}

  async post(reference: ConversationRef, message: OutgoingMessage): Promise<PostedMessage> {
    return this.within(reference, async (ctx) => {
      const result = await ctx.sendActivity(toActivity(message));
      return {
        conversationId: reference.conversation!.id,
        activityId: result?.id ?? '',
        serviceUrl: reference.serviceUrl!,
      };
    });
  }

  async postToChannel(reference: ConversationRef, message: OutgoingMessage): Promise<PostedMessage> {
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
    const reference: ConversationRef = {
      channelId: 'msteams',
      serviceUrl: user.serviceUrl,
      conversation: { id: 'new', tenantId: user.tenantId },
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
        conversation: { id: conversationId, tenantId: user.tenantId },
      },
      message,
    );
  }

  async update(posted: PostedMessage, message: OutgoingMessage): Promise<void> {
    const reference: ConversationRef = {
      channelId: 'msteams',
      serviceUrl: posted.serviceUrl,
      conversation: { id: posted.conversationId },
    };
    await this.within(reference, async (ctx) => {
      await ctx.updateActivity({ ...toActivity(message), id: posted.activityId });
    });
  }

  async getMember(
    reference: ConversationRef,
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
    reference: ConversationRef,
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
  private async within<T>(reference: ConversationRef, work: (ctx: TurnContext) => Promise<T>): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    await this.adapter.continueConversationAsync(
      this.appId,
      reference as Partial<ConversationReference>,
      async (ctx: TurnContext) => {
        try {
          outcome = { ok: true, value: await work(ctx) };
        } catch (error) {
          outcome = { ok: false, error };
        }
      },
    );
    if (!outcome) throw new Error('the Bot Framework adapter did not run the outgoing call');
    if (!outcome.ok) throw asOutage(outcome.error);
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

function channelIdOf(reference: ConversationRef): string {
  return reference.conversation!.id.split(';')[0];
}

function messageIdOf(conversationId: string): string {
  return /;messageid=(\d+)/.exec(conversationId)?.[1] ?? conversationId;
}

/** Teams down, throttling or unreachable: say so in the port's terms; refusals (403, 404) stay as they are. */
function asOutage(err: unknown): unknown {
  const status = (err as { statusCode?: number })?.statusCode;
  const code = (err as { code?: string })?.code;
  if (!isOutage(status, code)) return err;
  const retryAfter = Number(
    (err as { response?: { headers?: { get?(n: string): string } } })?.response?.headers?.get?.(
      'retry-after',
    ),
  );
  return new DependencyUnavailableError(
    'Bot Connector',
    `${status ?? code ?? 'no answer'}`,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 30,
    { cause: err },
  );
}
