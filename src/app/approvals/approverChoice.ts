import { chooseApprovers, Person } from '../../domain/addressRequests';
import type { Principal } from '../../domain/permissions';
import type { Logger } from '../../log/logger';
import type { DirectoryPort, DirectoryUser } from '../../ports/directory';
import { DependencyUnavailableError } from '../../ports/errors';

export interface ApproverChoiceDeps {
  directory: DirectoryPort;
  logger: Logger;
  /** APPROVER_IDS: who approves where the directory names no manager. */
  approverIds: readonly string[];
}

export type ApproverVerdict =
  { approvers: Person[]; source: 'manager' | 'approver-group' } | { refusal: string };

/**
 * Who approves what someone asks for (an address, root access): their manager from the directory, else the
 * approver group; never the person who asks (src/domain/addressRequests.ts chooseApprovers). Also answers the
 * requester as a Person with their UPN, so records can be found by it later.
 */
export class ApproverChoice {
  constructor(private readonly deps: ApproverChoiceDeps) {}

  /** Throws DependencyUnavailableError when the directory is down and that leaves nobody to ask. */
  async choose(requester: Principal): Promise<{ requester: Person; verdict: ApproverVerdict }> {
    const [manager, known] = await Promise.all([
      this.managerOf(requester.id),
      this.deps.directory.getUser(requester.id).catch(() => undefined),
    ]);
    const upn = known?.userPrincipalName?.toLowerCase();
    const person: Person = { id: requester.id, name: requester.name, ...(upn ? { upn } : {}) };
    const group = await this.approverGroup();
    const verdict = chooseApprovers(requester.id, manager.person, group, manager.unknown);
    // Nobody to ask because the directory is down: say so (503), rather than "nobody can approve".
    if ('refusal' in verdict && manager.outage) throw manager.outage;
    return { requester: person, verdict };
  }

  private async managerOf(
    userId: string,
  ): Promise<{ person?: Person; unknown: boolean; outage?: DependencyUnavailableError }> {
    try {
      return { person: toPerson(await this.deps.directory.getManager(userId)), unknown: false };
    } catch (err) {
      this.deps.logger.warn(
        { dependency: (err as DependencyUnavailableError).dependency, error: (err as Error).message },
        'could not ask the directory for a manager; using the approver group',
      );
      return { unknown: true, outage: err instanceof DependencyUnavailableError ? err : undefined };
    }
  }

  private async approverGroup(): Promise<Person[]> {
    return Promise.all(
      this.deps.approverIds.slice(0, 60).map(async (id) => {
        const user = await this.deps.directory.getUser(id).catch(() => undefined);
        return toPerson(user) ?? { id, name: id };
      }),
    );
  }
}

function toPerson(user: DirectoryUser | undefined): Person | undefined {
  if (!user) return undefined;
  return {
    id: user.id.toLowerCase(),
    name: user.displayName ?? user.userPrincipalName ?? user.id,
    upn: user.userPrincipalName,
  };
}
