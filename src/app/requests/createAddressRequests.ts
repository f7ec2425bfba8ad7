import type { AppServices } from '../services';
import type { BackgroundJob } from '../jobs';
import { AddressRequestService } from './addressRequestService';
import { RequestRepository } from './requestRepository';
import { AddressAllocator, RequestWork } from './requestWork';

export type AddressRequestWiring = Pick<
  AppServices,
  'config' | 'store' | 'clock' | 'logger' | 'chat' | 'conversations' | 'audit' | 'directory'
> & {
  allocator: AddressAllocator;
  runWorkInline?: boolean;
};

/** Builds the request feature from the app's parts (called once, from createApp). */
export function createAddressRequests(w: AddressRequestWiring): AddressRequestService {
  const repository = new RequestRepository(w.store);
  const work = new RequestWork({
    repository,
    store: w.store,
    clock: w.clock,
    chat: w.chat,
    conversations: w.conversations,
    audit: w.audit,
    logger: w.logger,
    allocator: w.allocator,
    adminIds: w.config.roles.adminIds,
  });
  return new AddressRequestService({
    repository,
    work,
    directory: w.directory,
    audit: w.audit,
    clock: w.clock,
    logger: w.logger,
    approverIds: w.config.roles.approverIds,
    timers: w.config.timers,
    runWorkInline: w.runWorkInline,
  });
}

/** Reminders, expiry, capacity retries and left-over work; safe to run on several instances at once. */
export function addressRequestJob(requests: AddressRequestService): BackgroundJob {
  return { name: 'address-requests', intervalMs: 5 * 60_000, run: () => requests.runPeriodicWork() };
}
