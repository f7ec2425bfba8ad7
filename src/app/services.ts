import type { AppConfig } from '../config';
import type { Principal } from '../domain/permissions';
import type { Logger } from '../log/logger';
import type { Clock } from '../ports/clock';
import type { DirectoryPort } from '../ports/directory';
import type { AddressPool } from './addresses/addressPool';
import type { AddressNotices } from './addresses/addressNotices';
import type { AddressRegistry } from './addresses/addressRegistry';
import type { AuditLog } from './auditLog';
import type { BackgroundWork } from './background';
import type { ConversationDirectory } from './conversations';
import type { MailDesk } from './mail/mailDesk';
import type { OperationalStatus } from '../domain/operationalStatus';
import type { PoolLevelsDay } from '../domain/poolForecast';
import type { AddressRequestService } from './requests/addressRequestService';
import type { AdoptionService } from './aws/adoptionService';
import type { OrganizationReconciler } from './aws/reconciler';
import type { RootPostures } from './aws/rootPostures';
import type { RootAccessService } from './rootAccess/rootAccessService';

/** AWS Organizations: reconciliation and adoption (issue 13), member accounts' root users (issue 22). */
export interface AwsServices {
  reconciler: OrganizationReconciler;
  adoptions: AdoptionService;
  /** Root users as last audited, by AWS account id (look-ups, the API). */
  postures: RootPostures;
  /** Break-glass root sessions and removals of root credentials, with approval. */
  rootAccess: RootAccessService;
}

/**
 * What the edges (chat commands, card actions, HTTP routes) may use: use cases and owners, never the store
 * or the chat port themselves. Built once in src/main/createApp.ts.
 */
export interface AppServices {
  config: AppConfig;
  clock: Clock;
  logger: Logger;
  /** Detached work the edges start after answering (e.g. a request's steps after a click). */
  background: BackgroundWork;
  /** Users and managers (Microsoft Graph, or the local directory). */
  directory: DirectoryPort;
  conversations: ConversationDirectory;
  audit: AuditLog;
  /** Address records: allocate, look up, link, transfer, retire. */
  addresses: AddressRegistry;
  /** The alias pool: import, levels, low-level alert. */
  pool: AddressPool;
  /** Tells owners in their personal chat when someone else retired, transferred or restored their address. */
  addressNotices: AddressNotices;
  /** Address requests and their approval: ask, decide, cancel, timers. */
  requests: AddressRequestService;
  /** On-call actions on relayed mails: reveal, hide, claim. */
  mailDesk: MailDesk;
  /** AWS Organizations; undefined when no AWS settings are given (the feature is off). */
  aws?: AwsServices;
  /** Store, subscription, pool, pending approvals and last mail, as `status` and /healthz report them. */
  status(): Promise<OperationalStatus>;
  /** The pool's levels as kept once a day (the status board), oldest first. */
  poolHistory(days: number): Promise<PoolLevelsDay[]>;
  /** A chat user as the permission policy sees them (admins from ADMIN_IDS). */
  chatPrincipal(id: string, name: string): Principal;
}
