import {
  Activity,
  AdaptiveCardInvokeResponse,
  AdaptiveCardInvokeValue,
  InvokeResponse,
  TeamsActivityHandler,
  TurnContext,
} from 'botbuilder';
import { chatSentence, classifyFailure } from '../app/failures';
import type { AppServices } from '../app/services';
import { cardAttachment, welcomeCard } from '../cards/cardTemplates';
import { inertMessage } from '../cards/inertText';
import type { PostedMessage } from '../ports/chat';
import {
  actorOf,
  conversationFactsOf,
  isBotMentioned,
  scopeOf,
  textWithoutBotMention,
  timeZoneOf,
} from './activityFacts';
import { closestCommand, parseCommandText } from './commandText';
import type { GuidedChat } from './dialogs/onDemand';
import { submitRequest } from './requestSubmission';
import type { RequestInput } from '../domain/addressRequests';
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
    private readonly guidedRequest: GuidedChat,
  ) {
    super();

    this.onMessage(async (turn, next) => {
      await this.handleMessage(turn);
      await next();
    });

    this.onConversationUpdate(async (turn, next) => {
      const botAdded = (turn.activity.membersAdded ?? []).some((m) => m.id === turn.activity.recipient.id);
      if (botAdded) await this.rememberInstallation(turn);
      await next();
    });

    this.onInstallationUpdate(async (turn, next) => {
      if (String(turn.activity.action ?? '').startsWith('add')) await this.rememberInstallation(turn);
      await next();
    });
  }

  /**
   * Install events (repeated by Teams and on every Agents Playground reload) refresh the stored reference;
   * the first one from a person gets the welcome, and approvals that could not reach them go out now.
   */
  private async rememberInstallation(turn: TurnContext): Promise<void> {
    const activity: Activity = turn.activity;
    const record = await this.services.conversations.remember(conversationFactsOf(activity));
    this.services.logger.info(
      {
        conversationKind: record.kind,
        teamId: record.teamId,
        tenantId: record.tenantId,
        firstContact: record.firstContact,
      },
      'bot installed; conversation reference stored',
    );
    if (!record.firstContact || !record.userId) return;
    const actor = actorOf(activity, this.services);
    // Install events may carry no name (the Agents Playground's do not): the directory knows it.
    const name =
      activity.from?.name ||
      (await this.services.directory.getUser(record.userId).catch(() => undefined))?.displayName;
    await this.send(turn, {
      card: welcomeCard({ name, admin: actor.admin }),
      followUp: () => this.redeliverTo(record.userId!),
    });
  }

  /** A person the bot could not reach before is reachable now: their undelivered approval cards go out. */
  private async redeliverTo(userId: string): Promise<void> {
    const queued =
      (await this.services.requests.redeliverUndelivered(userId)) +
      ((await this.services.aws?.rootAccess.redeliverUndelivered(userId)) ?? 0);
    if (queued) this.services.logger.info({ userId, queued }, 'undelivered approvals sent at first contact');
  }

  private facts(turn: TurnContext): TurnFacts {
    return {
      actor: actorOf(turn.activity, this.services),
      scope: scopeOf(turn.activity),
      conversation: conversationFactsOf(turn.activity),
      services: this.services,
      timeZone: timeZoneOf(turn.activity),
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
    if (facts.scope === 'personal') {
      if (await this.services.conversations.rememberPersonalChat(facts.conversation))
        this.afterTurn(turn, { followUp: () => this.redeliverTo(facts.actor.id) }, undefined);
    }

    const { word, args } = parseCommandText(
      facts.scope === 'personal' ? (activity.text ?? '') : textWithoutBotMention(activity),
    );
    // A guided chat waiting in this personal chat takes the message first.
    if (facts.scope === 'personal') {
      const guided = await this.guidedRequest.continue(turn);
      if (guided.kind === 'finished') return this.submitGuided(turn, facts, guided.input);
      if (guided.kind === 'waiting' || guided.kind === 'stopped') return;
      if (guided.kind === 'expired' && !this.commands.some((c) => c.trigger.test(word))) return;
    }
    if (!word) {
      await turn.sendActivity('Type `help` to see what I can do.');
      return;
    }
    const handler = this.commands.find((c) => c.trigger.test(word));
    if (!handler) {
      const names = this.commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
      const meant = closestCommand(word, names);
      await turn.sendActivity(
        `I don't know \`${word.slice(0, 40)}\`.` +
          (meant ? ` Did you mean \`${meant}${args ? ` ${args.slice(0, 80)}` : ''}\`?` : '') +
          ' Type `help` to see what I can do.',
      );
      return;
    }
    const reply = await this.answering(() => handler.handle({ ...facts, args, commands: this.commands }), {
      command: handler.name,
    });
    if (reply.dialog === 'request') {
      const guided = await this.guidedRequest.begin(turn);
      if (guided.kind === 'finished') await this.submitGuided(turn, facts, guided.input);
      return;
    }
    await this.send(turn, reply);
  }

  private async submitGuided(turn: TurnContext, facts: TurnFacts, input: RequestInput): Promise<void> {
    const reply = await this.answering(() => submitRequest(facts, input), { command: 'request (guided)' });
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

  /**
   * Invokes whose value botbuilder reads without looking first (it threw on a search value that is not an
   * object and on a card action without `action`): answered here before it can. No card of ours asks Teams
   * for a search (Input.ChoiceSet with a data query), so a search invoke is one nobody handles: 501, as
   * botbuilder answers every such invoke.
   */
  protected override async onInvokeActivity(turn: TurnContext): Promise<InvokeResponse> {
    const { name, value } = turn.activity;
    if (name === 'application/search') return { status: 501 };
    const action = isObject(value) ? value.action : undefined;
    if (name === 'adaptiveCard/action' && !isObject(action))
      return {
        status: 400,
        body: {
          statusCode: 400,
          type: 'application/vnd.microsoft.error',
          value: { code: 'BadRequest', message: 'That button is not one I know.' },
        },
      };
    return super.onInvokeActivity(turn);
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
          // An invoke's answer is not sent as an activity, so it does not pass inertMessages: made inert here.
          value: inertMessage(reply.text ?? '') as never,
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
