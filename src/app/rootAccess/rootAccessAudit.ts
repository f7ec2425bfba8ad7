import type { RootAccess } from '../../domain/rootAccess';
import type { AuditLog } from '../auditLog';

/**
 * Every step of a root access is an audit event twice: under the access's id (`audit ra-…`) and under the
 * account's root address, so the record's history (chat, tab, API) tells who had root access when and why.
 * Each event names the access and its reason; never a link or a code.
 */
export async function recordRootAccess(
  audit: AuditLog,
  access: RootAccess,
  event: { action: string; actorId: string; actorName?: string; detail?: string; at?: string },
  options: { once?: string } = {},
): Promise<void> {
  const after = {
    accessId: access.id,
    kind: access.kind,
    accountId: access.account.id,
    accountName: access.account.name,
    requester: access.requester.name,
    reason: access.reason,
  };
  for (const subject of [access.id, access.account.rootEmail])
    await audit.record({ subject, ...event, after }, options);
}
