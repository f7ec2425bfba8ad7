/** A person in the directory (Microsoft Graph users). */
export interface DirectoryUser {
  /** Entra object id, lower case. */
  id: string;
  displayName?: string;
  userPrincipalName?: string;
  mail?: string;
}

/** The directory port: who someone is and who their manager is (Graph /users, /users/{id}/manager). */
export interface DirectoryPort {
  getUser(idOrUpn: string): Promise<DirectoryUser | undefined>;
  /** The user's manager, or undefined when none is set. */
  getManager(userId: string): Promise<DirectoryUser | undefined>;
  /**
   * People whose display name (or a word of it: given name, surname), UPN or mail starts with `prefix`
   * (Graph: /users with $filter startswith, ConsistencyLevel eventual; locally the local directory).
   */
  findUsers(prefix: string, limit?: number): Promise<DirectoryUser[]>;
}
