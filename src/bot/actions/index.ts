import type { CardActionHandler } from '../types';
import { claimMailAction, hideMailAction, revealMailAction } from './mailActions';
import { requestApproveAction, requestRefreshAction, requestRejectAction } from './requestDecisionActions';
import { requestSubmitAction } from './requestSubmitAction';
import { awsAdoptAction, awsRetireAction, rootCredentialsRemoveAction } from './awsFindingActions';
import {
  rootAccessApproveAction,
  rootAccessDoneAction,
  rootAccessRefreshAction,
  rootAccessRejectAction,
  rootAccessStartAction,
} from './rootAccessActions';
import {
  addressKeepAction,
  addressRetireAction,
  addressTransferAction,
  addressTransferChooseAction,
} from './addressChangeActions';

/** Every card verb (Action.Execute verb, or `verb` in an Action.Submit's data). */
export const cardActionHandlers: readonly CardActionHandler[] = [
  requestSubmitAction,
  requestApproveAction,
  requestRejectAction,
  requestRefreshAction,
  revealMailAction,
  hideMailAction,
  claimMailAction,
  awsRetireAction,
  awsAdoptAction,
  addressRetireAction,
  addressTransferChooseAction,
  addressTransferAction,
  addressKeepAction,
  rootAccessApproveAction,
  rootAccessRejectAction,
  rootAccessRefreshAction,
  rootAccessStartAction,
  rootAccessDoneAction,
  rootCredentialsRemoveAction,
];
