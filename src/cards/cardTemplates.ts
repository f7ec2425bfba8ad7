import * as ACData from 'adaptivecards-templating';
import helpTemplate from './help.json';

/**
 * Cards are JSON templates in this folder, expanded with adaptivecards-templating. Each card has one
 * typed function here, so callers pass exactly the data the template reads.
 */
export type AdaptiveCard = Record<string, unknown>;

export function expandCard(template: object, data: object): AdaptiveCard {
  return new ACData.Template(template).expand({ $root: data }) as AdaptiveCard;
}

export interface HelpCardData {
  commands: { usage: string; summary: string }[];
}

export function helpCard(data: HelpCardData): AdaptiveCard {
  return expandCard(helpTemplate, data);
}

export function cardAttachment(card: AdaptiveCard) {
  return { contentType: 'application/vnd.microsoft.card.adaptive', content: card };
}
