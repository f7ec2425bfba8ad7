import { ApiError, Credentials } from '../api';
import type { TeamsHost } from './teamsHost';

/** What the server wrote into index.html (see src/http/tabRoutes.ts, TabPageSettings). */
export interface TabSettings {
  signIn?: { clientId: string; scope: string; authority: string };
  localSignIn: boolean;
}

export interface LocalPerson {
  id: string;
  name: string;
  upn?: string;
}

export type Session =
  | { kind: 'teams'; host: TeamsHost; credentials: Credentials }
  | { kind: 'local'; credentials: Credentials; user: LocalPerson; people: LocalPerson[] };

/** Why the tab cannot start, in words for the person looking at it. */
export class SessionError extends Error {}

const LOCAL_USER_KEY = 'rootmail.localUser';

export function readSettings(): TabSettings {
  const content = document.querySelector('meta[name="rootmail-tab-settings"]')?.getAttribute('content');
  try {
    return content ? (JSON.parse(content) as TabSettings) : { localSignIn: false };
  } catch {
    return { localSignIn: false };
  }
}

/**
 * Signs in without a second login: in Teams with the host's token (Nested App Authentication, or Teams SSO
 * where the host has no NAA); in a browser on a local run as a person of the local directory.
 */
export async function startSession(settings: TabSettings): Promise<Session> {
  // teams-js (and MSAL after it) load only in a frame: a browser on a local run has no host to talk to.
  const host =
    window.parent === window
      ? undefined
      : await import('./teamsHost')
          .then((m) => m.connectToTeams())
          .catch((err: Error) => {
            throw new SessionError(`RootMail could not connect to Teams: ${err.message}`);
          });
  if (host) {
    const signIn = settings.signIn;
    if (!signIn)
      throw new SessionError(
        'Sign-in for the RootMail tab is not set up yet: an admin sets API_AUDIENCE and API_ISSUER (see docs/deployment.md).',
      );
    let token: Promise<string> | undefined;
    const fresh = () => (token = host.token(signIn.scope, signIn));
    return {
      kind: 'teams',
      host,
      credentials: {
        header: async () => `Bearer ${await (token ?? fresh())}`,
        renew: async () => void (await fresh()),
      },
    };
  }
  if (!settings.localSignIn)
    throw new SessionError('Open RootMail in Microsoft Teams: this page is its Teams tab.');
  return localSession(sessionStorage.getItem(LOCAL_USER_KEY) ?? undefined);
}

/** A local run: a session as one of the local directory's people (the first unless `userId` names another). */
export async function localSession(userId?: string): Promise<Session> {
  const signIn = async (id?: string) => {
    const res = await fetch('/tab/local-session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(id ? { userId: id } : {}),
    });
    const body = (await res.json()) as {
      token: string;
      user: LocalPerson;
      people: LocalPerson[];
      detail?: string;
    };
    if (!res.ok) throw new ApiError(res.status, body.detail ?? 'The local sign-in was refused.');
    return body;
  };
  let current = await signIn(userId).catch((err) => (userId ? signIn() : Promise.reject(err)));
  sessionStorage.setItem(LOCAL_USER_KEY, current.user.id);
  return {
    kind: 'local',
    user: current.user,
    people: current.people,
    credentials: {
      header: async () => `LocalSession ${current.token}`,
      renew: async () => {
        current = await signIn(current.user.id);
      },
    },
  };
}

export function rememberLocalPerson(id: string): void {
  sessionStorage.setItem(LOCAL_USER_KEY, id);
}
