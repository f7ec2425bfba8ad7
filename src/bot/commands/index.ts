import type { CommandHandler } from '../types';
import { helpCommand } from './helpCommand';
import { setupCommand } from './setupCommand';
import { requestCommand } from './requestCommand';
import { cancelCommand } from './cancelCommand';
import { whoisCommand } from './whoisCommand';
import { listCommand } from './listCommand';
import { linkCommand } from './linkCommand';
import { transferCommand } from './transferCommand';
import { retireCommand } from './retireCommand';
import { restoreCommand } from './restoreCommand';
import { poolCommand } from './poolCommand';
import { auditCommand } from './auditCommand';
import { statusCommand } from './statusCommand';
import { reconcileCommand } from './reconcileCommand';
import { adoptCommand } from './adoptCommand';
import { rootAccessCommand } from './rootAccessCommand';
import { rootCredentialsCommand } from './rootCredentialsCommand';

/** Every chat command, in the order `help` lists them. */
export const commandHandlers: readonly CommandHandler[] = [
  helpCommand,
  requestCommand,
  whoisCommand,
  listCommand,
  linkCommand,
  transferCommand,
  retireCommand,
  restoreCommand,
  poolCommand,
  statusCommand,
  auditCommand,
  cancelCommand,
  reconcileCommand,
  adoptCommand,
  rootAccessCommand,
  rootCredentialsCommand,
  setupCommand,
];
