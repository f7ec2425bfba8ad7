import type { AppConfig } from '../config';
import type { Logger } from '../log/logger';
import type { ChatPort } from '../ports/chat';
import type { Clock } from '../ports/clock';
import type { DocumentStore } from '../ports/documentStore';
import type { DirectoryPort } from '../ports/directory';
import type { AddressPool } from './addressPool';
import type { AddressService } from './addressService';
import type { ConversationDirectory } from './conversations';
import type { AuditLog } from './auditLog';
import type { OnCallAlerts } from './onCallAlerts';
import type { AddressRequestService } from './requests/addressRequestService';

/**
 * Everything a command, card action or route needs, built once in src/app/createApp.ts and passed in.
 * Features add their use cases here.
 */
export interface AppServices {
  config: AppConfig;
  store: DocumentStore;
  clock: Clock;
  logger: Logger;
  chat: ChatPort;
  conversations: ConversationDirectory;
  audit: AuditLog;
  /** Operational alerts to the on-call channel, posted once per occurrence. */
  alerts: OnCallAlerts;
  /** Address records: allocate, look up, link, transfer, retire. */
  addresses: AddressService;
  /** The alias pool: import, levels, low-level alert, `onPoolImported` for work waiting on capacity. */
  pool: AddressPool;
  /** Users and managers (Microsoft Graph). */
  directory: DirectoryPort;
  /** Address requests and their approval: ask, decide, cancel, timers. */
  requests: AddressRequestService;
  /** Admins from ADMIN_IDS. */
  isAdmin(userId: string): boolean;
}
