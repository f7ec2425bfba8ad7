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

/**
 * Parsing a template costs ~70 ms and expanding it ~2 ms, so cards used on busy paths (approval clicks)
 * compile their template once and expand it per use.
 */
export function compileCard<T extends object>(template: object): (data: T) => AdaptiveCard {
  const compiled = new ACData.Template(template);
  return (data) => compiled.expand({ $root: data }) as AdaptiveCard;
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
