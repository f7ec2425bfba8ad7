import {
  AdaptiveCardInvokeResponse,
  AdaptiveCardInvokeValue,
  Activity,
  TeamsActivityHandler,
  TurnContext,
} from 'botbuilder';
import type { AppServices } from '../app/services';
import { cardAttachment } from '../cards/cardTemplates';
import { parseCommandText } from './commandText';
import type {
  Actor,
  CardActionContext,
  CardActionHandler,
  CardActionResult,
  CommandHandler,
  ConversationScope,
} from './types';

/** A user can fix this: the message is shown to them as is. */
export class UserFacingError extends Error {}

/**
 * The Teams edge: finds the handler for a command or a card verb and hands it what it needs. Holds no
 * state of its own; everything lives in the store behind `services`.
 */
export class RootMailBot extends TeamsActivityHandler {
  constructor(
    private readonly services: AppServices,
    private readonly commands: readonly CommandHandler[],
    private readonly actions: readonly CardActionHandler[],
  ) {
    super();

    this.onMessage(async (turn, next) => {
      await this.handleMessage(turn);
      await next();
    });

    this.onConversationUpdate(async (turn, next) => {
      const botAdded = (turn.activity.membersAdded ?? []).some((m) => m.id === turn.activity.recipient.id);
      if (botAdded) await this.rememberInstallation(turn.activity);
      await next();
    });

    this.onInstallationUpdate(async (turn, next) => {
      if (String(turn.activity.action ?? '').startsWith('add'))
        await this.rememberInstallation(turn.activity);
      await next();
    });
  }

  private async rememberInstallation(activity: Activity): Promise<void> {
    const record = await this.services.conversations.remember(activity);
    this.services.logger.info(
      { conversationKind: record.kind, teamId: record.teamId, tenantId: record.tenantId },
      'bot installed; conversation reference stored',
    );
  }

  private async handleMessage(turn: TurnContext): Promise<void> {
    const activity = turn.activity;
    const scope = scopeOf(activity);
    const actor = actorOf(activity);

    if (activity.value && typeof activity.value === 'object' && !activity.text?.trim()) {
      await this.handleSubmit(turn, activity.value as Record<string, unknown>, actor, scope);
      return;
    }

    if (scope !== 'personal' && !isBotMentioned(activity)) return; // channels: only when @mentioned
    if (scope === 'personal') await this.services.conversations.rememberPersonalChat(activity);

    const { word, args } = parseCommandText(
      scope === 'personal' ? (activity.text ?? '') : (TurnContext.removeRecipientMention(activity) ?? ''),
    );
    if (!word) {
      await turn.sendActivity('Type `help` to see what I can do.');
      return;
    }
    const handler = this.commands.find((c) => c.trigger.test(word));
    if (!handler) {
      await turn.sendActivity(`I don't know \`${word.slice(0, 40)}\`. Type \`help\` to see what I can do.`);
      return;
    }
    try {
      await handler.handle({ turn, args, actor, scope, services: this.services, commands: this.commands });
    } catch (err) {
      await this.answerFailure(turn, err, { command: handler.name });
    }
  }

  /** Legacy Action.Submit: a message carrying the card's data; the answer replaces the clicked card. */
  private async handleSubmit(
    turn: TurnContext,
    value: Record<string, unknown>,
    actor: Actor,
    scope: ConversationScope,
  ): Promise<void> {
    const verb = typeof value.verb === 'string' ? value.verb : undefined;
    const handler = verb ? this.actions.find((a) => a.verb === verb) : undefined;
    if (!handler) {
      await turn.sendActivity('That button is not one I know. Type `help` to see what I can do.');
      return;
    }
    try {
      const result = await handler.handle(this.actionContext(turn, verb!, value, actor, scope, true));
      if ('card' in result && turn.activity.replyToId) {
        await turn.updateActivity({
          id: turn.activity.replyToId,
          type: 'message',
          attachments: [cardAttachment(result.card)],
        });
      } else if ('card' in result) {
        await turn.sendActivity({ attachments: [cardAttachment(result.card)] });
      } else {
        await turn.sendActivity(result.message);
      }
    } catch (err) {
      await this.answerFailure(turn, err, { verb });
    }
  }

  protected override async onAdaptiveCardInvoke(
    turn: TurnContext,
    invokeValue: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    const verb = invokeValue?.action?.verb;
    const handler = this.actions.find((a) => a.verb === verb);
    if (!handler) {
      return {
        statusCode: 400,
        type: 'application/vnd.microsoft.error',
        value: { code: 'BadRequest', message: `Unknown card action "${String(verb).slice(0, 40)}"` } as never,
      };
    }
    const data = (invokeValue.action.data ?? {}) as Record<string, unknown>;
    let result: CardActionResult;
    try {
      result = await handler.handle(
        this.actionContext(turn, verb, data, actorOf(turn.activity), scopeOf(turn.activity), false),
      );
    } catch (err) {
      result = { message: this.describeFailure(err, { verb }) };
    }
    return 'card' in result
      ? { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: result.card as never }
      : {
          statusCode: 200,
          type: 'application/vnd.microsoft.activity.message',
          value: result.message as never,
        };
  }

  private actionContext(
    turn: TurnContext,
    verb: string,
    data: Record<string, unknown>,
    actor: Actor,
    scope: ConversationScope,
    viaSubmit: boolean,
  ): CardActionContext {
    return { turn, verb, data, actor, scope, services: this.services, viaSubmit };
  }

  private async answerFailure(
    turn: TurnContext,
    err: unknown,
    where: Record<string, unknown>,
  ): Promise<void> {
    await turn.sendActivity(this.describeFailure(err, where));
  }

  private describeFailure(err: unknown, where: Record<string, unknown>): string {
    if (err instanceof UserFacingError) return err.message;
    this.services.logger.error({ err, ...where }, 'handler failed');
    return 'Something went wrong on my side and nothing was changed. Please try again in a minute.';
  }
}

export function scopeOf(activity: Partial<Activity>): ConversationScope {
  const type = activity.conversation?.conversationType;
  return type === 'channel' ? 'channel' : type === 'groupChat' ? 'groupChat' : 'personal';
}

export function actorOf(activity: Partial<Activity>): Actor {
  const channelData = (activity.channelData ?? {}) as { tenant?: { id?: string } };
  return {
    id: (activity.from?.aadObjectId ?? activity.from?.id ?? '').toLowerCase(),
    name: activity.from?.name ?? 'someone',
    tenantId: channelData.tenant?.id ?? activity.conversation?.tenantId,
  };
}

function isBotMentioned(activity: Partial<Activity>): boolean {
  return (activity.entities ?? []).some(
    (e) =>
      e.type === 'mention' && (e as { mentioned?: { id?: string } }).mentioned?.id === activity.recipient?.id,
  );
}
