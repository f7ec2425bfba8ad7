import type { CommandHandler } from '../types';
import { helpCommand } from './helpCommand';
import { setupCommand } from './setupCommand';
import { requestCommand } from './requestCommand';
import { cancelCommand } from './cancelCommand';

/** Every chat command, in the order `help` lists them. */
export const commandHandlers: readonly CommandHandler[] = [
  helpCommand,
  requestCommand,
  cancelCommand,
  setupCommand,
];
