import type { CommandHandler } from '../types';
import { helpCommand } from './helpCommand';

/** Every chat command, in the order `help` lists them. */
export const commandHandlers: readonly CommandHandler[] = [helpCommand];
