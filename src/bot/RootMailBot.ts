import {
  Activity,
  AdaptiveCardInvokeResponse,
  AdaptiveCardInvokeValue,
  TeamsActivityHandler,
  TurnContext,
} from 'botbuilder';
import { chatSentence, classifyFailure } from '../app/failures';
import type { AppServices } from '../app/services';
import { cardAttachment } from '../cards/cardTemplates';
import type { PostedMessage } from '../ports/chat';
import { actorOf, conversationFactsOf, isBotMentioned, scopeOf } from './activityFacts';
import { parseCommandText } from './commandText';
import type { CardActionHandler, CommandHandler, Reply, TurnFacts } from './types';

/** Work a handler asked for once the turn's answer is out; the HTTP route starts it after responding. */
export type AfterTurn = (work: () => Promise<void>) => void;
export const AFTER_TURN = Symbol('rootmail.afterTurn');

/**
 * The Teams edge: finds the handler for a command or a card verb, gives it the facts of the turn, and
 * sends what it answers. Holds no state of its own.
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
    const record = await this.services.conversations.remember(conversationFactsOf(activity));
    this.services.logger.info(
      { conversationKind: record.kind, teamId: record.teamId, tenantId: record.tenantId },
      'bot installed; conversation reference stored',
    );
  }

  private facts(turn: TurnContext): TurnFacts {
    return {
      actor: actorOf(turn.activity, this.services),
      scope: scopeOf(turn.activity),
      conversation: conversationFactsOf(turn.activity),
      services: this.services,
    };
  }

  private async handleMessage(turn: TurnContext): Promise<void> {
    const activity = turn.activity;
    const facts = this.facts(turn);

    if (activity.value && typeof activity.value === 'object' && !activity.text?.trim()) {
      await this.handleSubmit(turn, facts, activity.value as Record<string, unknown>);
      return;
    }

    if (facts.scope !== 'personal' && !isBotMentioned(activity)) return; // channels: only when @mentioned
    if (facts.scope === 'personal')
      await this.services.conversations.rememberPersonalChat(facts.conversation);

    const { word, args } = parseCommandText(
      facts.scope === 'personal'
        ? (activity.text ?? '')
        : (TurnContext.removeRecipientMention(activity) ?? ''),
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
    const reply = await this.answering(() => handler.handle({ ...facts, args, commands: this.commands }), {
      command: handler.name,
    });
    await this.send(turn, reply);
  }

  private async send(turn: TurnContext, reply: Reply): Promise<void> {
    const sent =
      reply.text || reply.card
        ? await turn.sendActivity({
            type: 'message',
            text: reply.text,
            attachments: reply.card ? [cardAttachment(reply.card)] : undefined,
          })
        : undefined;
    this.afterTurn(turn, reply, sent?.id ? this.posted(turn, sent.id) : undefined);
  }

  /** Legacy Action.Submit: a message carrying the card's data; a card answer replaces the clicked card. */
  private async handleSubmit(turn: TurnContext, facts: TurnFacts, value: Record<string, unknown>) {
    const verb = typeof value.verb === 'string' ? value.verb : undefined;
    const handler = verb ? this.actions.find((a) => a.verb === verb) : undefined;
    if (!handler) {
      await turn.sendActivity('That button is not one I know. Type `help` to see what I can do.');
      return;
    }
    const clicked = turn.activity.replyToId ? this.posted(turn, turn.activity.replyToId) : undefined;
    const reply = await this.answering(
      () => handler.handle({ ...facts, verb: verb!, data: value, clicked, viaSubmit: true }),
      { verb },
    );
    if (reply.card && clicked) {
      await turn.updateActivity({
        id: clicked.activityId,
        type: 'message',
        attachments: [cardAttachment(reply.card)],
      });
      this.afterTurn(turn, reply, clicked);
    } else {
      await this.send(turn, reply);
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
        value: { code: 'BadRequest', message: 'That button is not one I know.' } as never,
      };
    }
    const data =
      invokeValue.action.data && typeof invokeValue.action.data === 'object' ? invokeValue.action.data : {};
    const clicked = turn.activity.replyToId ? this.posted(turn, turn.activity.replyToId) : undefined;
    const reply = await this.answering(
      () =>
        handler.handle({
          ...this.facts(turn),
          verb,
          data: data as Record<string, unknown>,
          clicked,
          viaSubmit: false,
        }),
      { verb },
    );
    this.afterTurn(turn, reply, clicked);
    return reply.card
      ? { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: reply.card as never }
      : {
          statusCode: 200,
          type: 'application/vnd.microsoft.activity.message',
          value: (reply.text ?? '') as never,
        };
  }

  /** Runs the handler; whatever it throws becomes one sentence for the user (with a reference when it is ours). */
  private async answering(handle: () => Promise<Reply>, where: Record<string, unknown>): Promise<Reply> {
    try {
      return await handle();
    } catch (err) {
      return { text: chatSentence(classifyFailure(err, this.services.logger, where)) };
    }
  }

  private afterTurn(turn: TurnContext, reply: Reply, answeredOn: PostedMessage | undefined): void {
    const followUp = reply.followUp;
    if (!followUp) return;
    const work = async () => {
      await followUp(answeredOn);
    };
    const defer = turn.turnState.get<AfterTurn>(AFTER_TURN);
    if (defer) defer(work);
    else this.services.background.run('after a turn', work);
  }

  private posted(turn: TurnContext, activityId: string): PostedMessage {
    return {
      conversationId: turn.activity.conversation.id,
      activityId,
      serviceUrl: turn.activity.serviceUrl,
    };
  }
}
