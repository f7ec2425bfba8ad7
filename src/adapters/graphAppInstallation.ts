import type { AppInstallationPort } from '../ports/appInstallation';
import { asGraphOutage, GraphApi } from './graphApi';

/**
 * The app installation port over Microsoft Graph. `teamsAppCatalogId` is the app's id in the organisation's
 * app catalog (`GET /appCatalogs/teamsApps?$filter=externalId eq '<manifest id>'`), which is not the manifest id.
 */
export class GraphAppInstallation implements AppInstallationPort {
  constructor(
    private readonly graph: GraphApi,
    private readonly graphBaseUrl: string,
    private readonly teamsAppCatalogId: string,
  ) {}

  async installFor(userId: string): Promise<'installed' | 'already-installed'> {
    try {
      await this.graph.client.api(`/users/${encodeURIComponent(userId.trim())}/teamwork/installedApps`).post({
        'teamsApp@odata.bind': `${this.graphBaseUrl}/appCatalogs/teamsApps/${encodeURIComponent(this.teamsAppCatalogId)}`,
      });
      return 'installed';
    } catch (err) {
      if ((err as { statusCode?: number })?.statusCode === 409) return 'already-installed';
      throw asGraphOutage(err);
    }
  }
}
