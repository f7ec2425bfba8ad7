/**
 * Installing the Teams app for a person (Microsoft Graph `POST /users/{id}/teamwork/installedApps`, permission
 * TeamsAppInstallation.ReadWriteForUser.All), so the bot can open a 1:1 chat with someone who never added it.
 */
export interface AppInstallationPort {
  /** Installs the app for the user; 'already-installed' when Graph says it is there (409). */
  installFor(userId: string): Promise<'installed' | 'already-installed'>;
}
