import { poolStatusCard } from '../../cards/addressCards';
import type { CommandHandler } from '../types';

/** `pool`: free, assigned and quarantined aliases per mailbox. */
export const poolCommand: CommandHandler = {
  name: 'pool',
  trigger: /^pool$/i,
  usage: 'pool',
  summary: 'Show the alias pool: free, assigned and quarantined per mailbox',
  async handle({ services }) {
    const status = await services.pool.status();
    if (status.strategy === 'pool' && !status.mailboxes.length)
      return {
        text: 'The pool is empty: no mailbox has been imported yet. An admin runs `npm run pool:plan`, then `npm run pool:import -- pool.csv`.',
      };
    return { card: poolStatusCard(status) };
  },
};
