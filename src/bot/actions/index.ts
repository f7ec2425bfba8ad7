import type { CardActionHandler } from '../types';

/** Every card verb (Action.Execute verb, or `verb` in an Action.Submit's data). */
export const cardActionHandlers: readonly CardActionHandler[] = [];
