import { AdaptiveCard, SerializationContext, ValidationEvent } from 'adaptivecards';

/**
 * Parses a card with the Adaptive Cards SDK (as a client would) and returns every problem the parser and
 * validateProperties() report, as readable lines; an empty list means the card is sound.
 */
export function adaptiveCardProblems(card: object): string[] {
  const parsed = new AdaptiveCard();
  const context = new SerializationContext();
  parsed.parse(card, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    problems.push(`parse ${ValidationEvent[e.event]}: ${e.message}`);
  }
  for (const e of parsed.validateProperties().validationEvents) {
    problems.push(`validate ${ValidationEvent[e.event]}: ${e.message}`);
  }
  return problems;
}
