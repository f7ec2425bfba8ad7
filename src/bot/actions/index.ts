import type { CardActionHandler } from '../types';
import { requestApproveAction, requestRefreshAction, requestRejectAction } from './requestDecisionActions';
import { requestSubmitAction } from './requestSubmitAction';
import { claimMailAction, hideMailAction, revealMailAction } from './mailActions';

/** Every card verb (Action.Execute verb, or `verb` in an Action.Submit's data). */
export const cardActionHandlers: readonly CardActionHandler[] = [
  requestSubmitAction,
  requestApproveAction,
  requestRejectAction,
  requestRefreshAction,
  revealMailAction,
  hideMailAction,
  claimMailAction,
];
