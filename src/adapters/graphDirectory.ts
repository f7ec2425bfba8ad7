import type { DirectoryPort, DirectoryUser } from '../ports/directory';
import { asGraphOutage, GraphApi, isNotFound } from './graphApi';

const USER_FIELDS = 'id,displayName,userPrincipalName,mail';

/** The directory port over Microsoft Graph: GET /users/{id|upn} and /users/{id}/manager; 404 → undefined. */
export class GraphDirectory implements DirectoryPort {
  constructor(private readonly graph: GraphApi) {}

  async getUser(idOrUpn: string): Promise<DirectoryUser | undefined> {
    return this.read(`/users/${encodeURIComponent(idOrUpn.trim())}`);
  }

  async getManager(userId: string): Promise<DirectoryUser | undefined> {
    return this.read(`/users/${encodeURIComponent(userId.trim())}/manager`);
  }

  private async read(path: string): Promise<DirectoryUser | undefined> {
    try {
      const user = (await this.graph.client.api(path).select(USER_FIELDS).get()) as DirectoryUser | undefined;
      return user?.id ? { ...user, id: user.id.toLowerCase() } : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw asGraphOutage(err);
    }
  }
}
