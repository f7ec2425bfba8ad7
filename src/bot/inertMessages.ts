import type { Activity, Middleware, TurnContext } from 'botbuilder';
import { inertMessage } from '../cards/inertText';

/**
 * The one point every plain message passes on its way to Teams: replies, dialog prompts, proactive posts
 * and updates all go through the adapter's turn, so its send and update hooks see them whoever wrote them
 * (a command, a card action, a domain refusal, an error sentence, a request notice). A message without
 * `textFormat` is markdown in Teams; its text is made inert here (src/cards/inertText.ts), so a name from the
 * directory, a comment, an id or a command word someone typed can never become a link, an image, emphasis,
 * a list or reordered text — and a new message needs no care of its own to be safe.
 */
export const inertMessages: Middleware = {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    context.onSendActivities(async (_ctx, activities, send) => {
      for (const activity of activities) makeInert(activity);
      return send();
    });
    context.onUpdateActivity(async (_ctx, activity, update) => {
      makeInert(activity);
      return update();
    });
    await next();
  },
};

function makeInert(activity: Partial<Activity>): void {
  if (activity.type === 'message' && typeof activity.text === 'string' && activity.text)
    activity.text = inertMessage(activity.text);
}
