/**
 * Every card verb (Action.Execute `verb`, and `data.verb` of the Action.Submit fallbacks). Templates in
 * this folder spell them out; test/cards/cardContract.spec.ts checks that every verb a template uses has
 * exactly one handler and every handler's verb is used by a template.
 */
export const VERBS = {
  requestSubmit: 'request.submit',
  requestApprove: 'request.approve',
  requestReject: 'request.reject',
  requestRefresh: 'request.refresh',
  mailReveal: 'mail.reveal',
  mailHide: 'mail.hide',
  mailClaim: 'mail.claim',
  awsRetire: 'aws.retire',
  awsAdopt: 'aws.adopt',
  addressRetire: 'address.retire',
  addressTransferChoose: 'address.transfer.choose',
  addressTransfer: 'address.transfer',
  addressKeep: 'address.keep',
  rootAccessApprove: 'root-access.approve',
  rootAccessReject: 'root-access.reject',
  rootAccessRefresh: 'root-access.refresh',
  rootAccessStart: 'root-access.start',
  rootAccessDone: 'root-access.done',
  rootCredentialsRemove: 'root-credentials.remove',
} as const;

export type Verb = (typeof VERBS)[keyof typeof VERBS];
