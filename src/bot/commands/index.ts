import type { CommandHandler } from '../types';
import { helpCommand } from './helpCommand';
import { setupCommand } from './setupCommand';

/** Every chat command, in the order `help` lists them. */
export const commandHandlers: readonly CommandHandler[] = [helpCommand, setupCommand];
