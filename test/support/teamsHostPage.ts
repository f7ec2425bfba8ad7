import type { Page } from 'playwright-core';

/**
 * A stand-in for Teams around the tab, served on the tab's own origin: it frames /tab/ and answers what
 * teams-js asks its host (the `initialize` handshake, `getContext`, `authentication.getAuthToken`), and can
 * change the theme as Teams does. Everything the tab asked is kept in `window.hostLog`.
 */
export interface TeamsHostOptions {
  /** The person Teams has signed in. */
  user: { aadObjectId: string; upn: string; name: string };
  tenantId: string;
  theme?: 'default' | 'dark' | 'contrast';
  /** The tab's query, e.g. `?view=pool`. */
  tabQuery?: string;
  /** What Teams SSO answers for getAuthToken: a token the test issued for this user. */
  token: () => Promise<string>;
  /**
   * The host offers Nested App Authentication (new Teams): it recommends the NAA channel and answers MSAL's
   * bridge requests (GetInitContext, GetToken) with `token()` as the access token and `idToken` as the ID token.
   */
  nestedAppAuth?: { idToken: string };
}

export const HOST_PATH = '/test-teams-host.html';

export async function openInTeamsHost(page: Page, baseUrl: string, options: TeamsHostOptions): Promise<void> {
  await page.exposeFunction('issueTeamsToken', options.token);
  await page.route(`${baseUrl}${HOST_PATH}`, (route) =>
    route.fulfill({ contentType: 'text/html', body: hostPage(options) }),
  );
  await page.goto(`${baseUrl}${HOST_PATH}`);
}

function hostPage(options: TeamsHostOptions): string {
  const context = {
    locale: 'en-GB',
    theme: options.theme ?? 'default',
    entityId: new URLSearchParams(options.tabQuery ?? '').get('view') ?? 'registry',
    userObjectId: options.user.aadObjectId,
    userPrincipalName: options.user.upn,
    loginHint: options.user.upn,
    tid: options.tenantId,
    hostClientType: 'web',
    frameContext: 'content',
    hostName: 'Teams',
    appSessionId: 'test-session',
  };
  const runtime = {
    apiVersion: 4,
    supports: {
      app: {},
      pages: {},
      authentication: {},
      ...(options.nestedAppAuth ? { nestedAppAuth: {} } : {}),
    },
    ...(options.nestedAppAuth ? { isNAAChannelRecommended: true } : {}),
  };
  const account = {
    homeAccountId: `${options.user.aadObjectId}.${options.tenantId}`,
    environment: 'login.microsoftonline.com',
    tenantId: options.tenantId,
    localAccountId: options.user.aadObjectId,
    username: options.user.upn,
    name: options.user.name,
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Teams (test host)</title>
<style>body{margin:0} iframe{border:0;width:100vw;height:100vh;display:block}</style></head>
<body><iframe id="tab" title="RootMail" src="/tab/${options.tabQuery ?? ''}"></iframe>
<script>
  window.hostLog = [];
  const context = ${JSON.stringify(context)};
  const frame = document.getElementById('tab');
  const answer = (event, message, args) =>
    event.source.postMessage({ id: message.id, uuidAsString: message.uuidAsString, args }, event.origin);
  window.addEventListener('message', async (event) => {
    const message = event.data;
    if (!message || typeof message.func !== 'string' || event.source !== frame.contentWindow) return;
    window.hostLog.push(message.func);
    switch (message.func) {
      case 'initialize': // frame context, client type, the host's SDK version, its runtime (as Teams sends them)
        return answer(event, message, ['content', 'web', '2.58.0', ${JSON.stringify(JSON.stringify(runtime))}]);
      case 'getContext':
        return answer(event, message, [context]);
      case 'nestedAppAuth.execute':
        return answerBridge(event, JSON.parse(message.data));
      case 'authentication.getAuthToken':
        try {
          return answer(event, message, [true, await window.issueTeamsToken()]);
        } catch (err) {
          return answer(event, message, [false, String(err)]);
        }
      default:
        return answer(event, message, []);
    }
  });
  // MSAL's Nested App Authentication requests, answered as the host's broker would.
  const account = ${JSON.stringify(account)};
  const idToken = ${JSON.stringify(options.nestedAppAuth?.idToken ?? '')};
  async function answerBridge(event, request) {
    window.hostLog.push('nestedAppAuth:' + request.method);
    const reply = { messageType: 'NestedAppAuthResponse', requestId: request.requestId, success: true };
    if (request.method === 'GetInitContext')
      Object.assign(reply, { initContext: { sdkName: 'test host', sdkVersion: '1.0.0', capabilities: { queryAccount: false }, accountContext: { homeAccountId: account.homeAccountId, environment: account.environment, tenantId: account.tenantId } } });
    else if (request.method === 'GetToken' || request.method === 'GetTokenPopup')
      Object.assign(reply, { token: { access_token: await window.issueTeamsToken(), id_token: idToken, expires_in: 3600, token_type: 'Bearer', scope: request.tokenParams.scope }, account });
    else Object.assign(reply, { success: false, error: { status: 'NOT_SUPPORTED', description: request.method } });
    event.source.postMessage({ args: [null, JSON.stringify(reply)] }, event.origin);
  }
  window.setTheme = (theme) => frame.contentWindow.postMessage({ func: 'themeChange', args: [theme] }, location.origin);
</script></body></html>`;
}
