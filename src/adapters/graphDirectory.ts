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

  /** `startswith` on display name, given name, surname and UPN: supported without advanced queries. */
  async findUsers(prefix: string, limit = 10): Promise<DirectoryUser[]> {
    const wanted = prefix.trim().replace(/'/g, "''"); // OData string literal: a quote is doubled
    if (!wanted) return [];
    const filter = ['displayName', 'givenName', 'surname', 'userPrincipalName', 'mail']
      .map((field) => `startswith(${field},'${wanted}')`)
      .join(' or ');
    try {
      const page = (await this.graph.client
        .api('/users')
        // Eventual consistency: the directory's search index, which also serves these filters at scale.
        .header('ConsistencyLevel', 'eventual')
        .filter(filter)
        .select(USER_FIELDS)
        .top(Math.min(Math.max(limit, 1), 25))
        .get()) as { value?: DirectoryUser[] };
      return (page.value ?? []).filter((u) => u.id).map((u) => ({ ...u, id: u.id.toLowerCase() }));
    } catch (err) {
      throw asGraphOutage(err);
    }
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
