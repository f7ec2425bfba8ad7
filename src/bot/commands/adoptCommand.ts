import { AwsNotConfiguredError } from '../../app/aws/awsErrors';
import { describeStart } from '../../app/aws/reconciler';
import { addressRecordCard } from '../../cards/addressCards';
import { awsAdoptionCard } from '../../cards/awsCards';
import { environmentProblem } from '../../domain/addressRequests';
import { mayAdoptAccounts } from '../../domain/permissions';
import { contactOf } from '../requestSubmission';
import type { CommandHandler } from '../types';

/**
 * `adopt <aws-account-id> [prod|nonprod|sandbox]`: an existing account moves onto a managed address. The
 * address is requested through the usual approval; the answer is the adoption's card, updated as it goes.
 */
export const adoptCommand: CommandHandler = {
  name: 'adopt',
  trigger: /^adopt$/i,
  usage: 'adopt <aws-account-id> [environment]',
  summary: "Admins: move an existing AWS account's root e-mail onto a managed address (with approval)",
  async handle(ctx) {
    const { args, actor, services } = ctx;
    const verdict = mayAdoptAccounts(actor);
    if (!verdict.allowed) return { text: verdict.reason };
    const aws = services.aws;
    if (!aws) throw new AwsNotConfiguredError();
    const [accountId, environmentWord] = args.split(/\s+/);
    if (!accountId) return { text: 'Say `adopt <aws-account-id>`, e.g. `adopt 210987654321`.' };
    const environment = environmentWord?.toLowerCase();
    const environments = services.config.environments;
    if (environment && environmentProblem(environment, environments))
      return {
        text: `${environmentProblem(environment, environments)} For example: \`adopt ${accountId.slice(0, 12)} ${environments[0]}\`.`,
      };
    const result = await aws.adoptions.start({
      accountId,
      by: actor,
      origin: 'chat',
      contact: contactOf(ctx),
      environment,
    });
    switch (result.kind) {
      case 'started':
        return {
          card: awsAdoptionCard(result.adoption, describeStart(result, actor)),
          followUp: (answeredOn) =>
            aws.adoptions.carryOut(result.adoption.adoptionId, { requesterCopy: answeredOn }),
        };
      case 'linked':
        return { card: addressRecordCard(`Linked: its root e-mail was already one of ours`, result.record) };
      case 'already-linked':
        return { text: `AWS account ${accountId} is already in the registry as \`${result.address}\`.` };
      case 'in-progress':
        return { card: awsAdoptionCard(result.adoption, 'This adoption is already under way.') };
    }
  },
};
