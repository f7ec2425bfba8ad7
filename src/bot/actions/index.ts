import type { CardActionHandler } from '../types';
import { claimMailAction, hideMailAction, revealMailAction } from './mailActions';

/** Every card verb (Action.Execute verb, or `verb` in an Action.Submit's data). */
export const cardActionHandlers: readonly CardActionHandler[] = [
  revealMailAction,
  hideMailAction,
  claimMailAction,
];
