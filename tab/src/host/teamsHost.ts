import { app, authentication, nestedAppAuth } from '@microsoft/teams-js';

/** The three looks Teams has, as the host names them ("glass" is shown as the light look). */
export type HostTheme = 'default' | 'dark' | 'contrast';

export interface TeamsHost {
  theme: HostTheme;
  /** The tab's static tab (entityId) and sub-page, when Teams opened a deep link. */
  pageId?: string;
  subPageId?: string;
  tenantId?: string;
  loginHint?: string;
  onThemeChange(handler: (theme: HostTheme) => void): void;
  /** Teams has shown our page: its loading indicator goes away. */
  ready(): void;
  /** A token for the API as the signed-in user, without a second sign-in. */
  token(scope: string, signIn: { clientId: string; authority: string }): Promise<string>;
}

/** How long a host that frames us gets to answer the handshake before we say we cannot reach Teams. */
const HANDSHAKE_MS = 8_000;

export function toHostTheme(theme: string | undefined): HostTheme {
  return theme === 'dark' || theme === 'contrast' ? theme : 'default';
}

/**
 * Connects to the Teams host that frames us. teams-js would wait a minute for a parent that never answers,
 * so the handshake gets HANDSHAKE_MS.
 */
export async function connectToTeams(): Promise<TeamsHost> {
  await withTimeout(app.initialize(), HANDSHAKE_MS, 'Teams did not answer');
  const context = await app.getContext();
  let msal: Promise<import('@azure/msal-browser').IPublicClientApplication> | undefined;
  return {
    theme: toHostTheme(context.app.theme),
    pageId: context.page.id,
    subPageId: context.page.subPageId,
    tenantId: context.user?.tenant?.id,
    loginHint: context.user?.loginHint,
    onThemeChange: (handler) => app.registerOnThemeChangeHandler((t) => handler(toHostTheme(t))),
    ready: () => void app.notifySuccess(),
    async token(scope, signIn) {
      if (nestedAppAuth.isNAAChannelRecommended()) {
        // MSAL is only loaded where the host offers Nested App Authentication (its own chunk, ~80 KB).
        msal ??= import('@azure/msal-browser').then((m) =>
          m.createNestablePublicClientApplication({
            auth: { clientId: signIn.clientId, authority: signIn.authority },
          }),
        );
        return tokenByNestedAppAuth(await msal, scope, context.user?.loginHint);
      }
      return authentication.getAuthToken();
    },
  };
}

async function tokenByNestedAppAuth(
  pca: import('@azure/msal-browser').IPublicClientApplication,
  scope: string,
  loginHint: string | undefined,
): Promise<string> {
  const request = { scopes: [scope], loginHint };
  try {
    return (await pca.acquireTokenSilent({ ...request, account: pca.getAllAccounts()[0] })).accessToken;
  } catch (err) {
    // Consent not given yet, or the host wants the user to confirm: the one prompt Teams shows itself.
    if ((err as { name?: string }).name !== 'InteractionRequiredAuthError') throw err;
    return (await pca.acquireTokenPopup(request)).accessToken;
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    work.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s.`)), ms);
    }),
  ]);
}
