import { helpCard } from '../../cards/cardTemplates';
import type { CommandHandler } from '../types';

export const helpCommand: CommandHandler = {
  name: 'help',
  trigger: /^(help|\?|hi|hello)$/i,
  usage: 'help',
  summary: 'Show what I can do',
  async handle({ commands }) {
    return {
      card: helpCard({
        commands: commands.map(({ usage, summary, aliases }) => ({
          usage,
          summary: aliases?.length ? `${summary} (also ${aliases.join(', ')})` : summary,
        })),
      }),
    };
  },
};
