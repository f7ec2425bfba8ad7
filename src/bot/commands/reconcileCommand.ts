import { AwsNotConfiguredError } from '../../app/aws/awsErrors';
import { mayReconcile } from '../../domain/permissions';
import type { CommandHandler } from '../types';

/** `reconcile`: compares the registry with AWS Organizations now; the answer is updated with the result. */
export const reconcileCommand: CommandHandler = {
  name: 'reconcile',
  trigger: /^reconcile$/i,
  usage: 'reconcile',
  summary: 'Admins: compare the registry with AWS Organizations now (it also runs every hour)',
  async handle({ actor, services }) {
    const verdict = mayReconcile(actor);
    if (!verdict.allowed) return { text: verdict.reason };
    const aws = services.aws;
    if (!aws) throw new AwsNotConfiguredError();
    return {
      text: 'Reconciling with AWS Organizations: I will put the result here when it is done.',
      followUp: (answeredOn) => aws.reconciler.runFor(actor, answeredOn),
    };
  },
};
