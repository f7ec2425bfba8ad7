import {
  isOpenRootAccess,
  RootAccess,
  rootAccessTimerAt,
  SESSION_LIVE_STATES,
} from '../../domain/rootAccess';
import type { Clock } from '../../ports/clock';
import type { DocumentStore, Stored } from '../../ports/documentStore';
import { writeIfUnchanged } from '../documentChanges';
import { WorkflowDocuments } from '../workflows/workflowDocuments';

export type StoredRootAccess = Stored<RootAccess>;

/** The root-access workflow's name in the runner and the work-due index. */
export const ROOT_ACCESS_WORKFLOW = 'root-access';

interface AccountKey {
  accessId: string;
}

/**
 * Root accesses (break-glass sessions and removals) in `rootAccess` (id = `ra-…`), changed only through etags
 * (WorkflowDocuments), and `rootAccessKeys` (`account:<aws account id>`, create-if-absent) that keep one open
 * root access per account: two sessions at once would make "whose is this reset mail" ambiguous, and a removal
 * during a session would take the password from under its requester. A key is given back as its access
 * closes, whoever closes it; a key left by a closed access is taken over by its etag.
 */
export class RootAccessRepository extends WorkflowDocuments<RootAccess> {
  constructor(store: DocumentStore, clock: Clock) {
    super(store, clock, {
      container: 'rootAccess',
      workflow: ROOT_ACCESS_WORKFLOW,
      idPattern: /^ra-[0-9a-f]{8}$/,
      timerAt: rootAccessTimerAt,
      mayBeDue: [
        { workPending: true },
        { state: 'pending' },
        { state: 'approved' },
        { state: 'opening' },
        { state: 'open' },
      ],
    });
  }

  protected override async afterWrite(before: RootAccess, after: StoredRootAccess): Promise<void> {
    if (isOpenRootAccess(before.state) && !isOpenRootAccess(after.state))
      await this.releaseAccount(after.account.id, after.id);
  }

  /**
   * Reserves the account for a new root access: answers the open access holding it, if any. A key left by a
   * closed access (or by a start that never stored its access) is taken over by its etag.
   */
  async reserveAccount(accountId: string, accessId: string): Promise<StoredRootAccess | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const held = await this.store.get<AccountKey>('rootAccessKeys', accountKey(accountId));
      if (held && held.accessId !== accessId) {
        const holder = await this.get(held.accessId);
        if (holder && isOpenRootAccess(holder.state)) return holder;
      }
      const taken = await writeIfUnchanged(this.store, 'rootAccessKeys', accountKey(accountId), held, {
        accessId,
      });
      if (taken) return undefined;
    }
    throw new Error(`Could not reserve AWS account ${accountId} for root access; try again`);
  }

  async releaseAccount(accountId: string, accessId: string): Promise<void> {
    const held = await this.store.get<AccountKey>('rootAccessKeys', accountKey(accountId));
    if (held?.accessId === accessId)
      await this.store.delete('rootAccessKeys', accountKey(accountId), held._etag).catch(() => undefined);
  }

  /** The open root access on an account (one point read for the key, one for the access), if any. */
  async openOn(accountId: string | undefined): Promise<StoredRootAccess | undefined> {
    if (!accountId || !/^\d{12}$/.test(accountId)) return undefined;
    const held = await this.store.get<AccountKey>('rootAccessKeys', accountKey(accountId));
    const access = held && (await this.get(held.accessId));
    return access && access.account.id === accountId && isOpenRootAccess(access.state) ? access : undefined;
  }

  /** Accounts with a session started and not yet closed: their root password is expected, not drift. */
  async liveSessionAccounts(): Promise<Set<string>> {
    const live = await Promise.all(
      SESSION_LIVE_STATES.map((state) =>
        this.store.query<RootAccess>('rootAccess', { state, kind: 'session' }, { limit: 1000 }),
      ),
    );
    return new Set(live.flat().map((a) => a.account.id));
  }

  /** Pending accesses whose approval card reached nobody (few: they wait for `setup approvals`). */
  undelivered(): Promise<StoredRootAccess[]> {
    return this.store.query<RootAccess>(
      'rootAccess',
      { state: 'pending', delivery: 'undelivered' },
      { limit: 200 },
    );
  }

  /** Sessions started and not yet closed (one per account at most): counted, not read. */
  async countLiveSessions(): Promise<number> {
    const counts = await Promise.all(
      SESSION_LIVE_STATES.map((state) => this.store.count('rootAccess', { state, kind: 'session' })),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }
}

function accountKey(accountId: string): string {
  return `account:${accountId}`;
}
