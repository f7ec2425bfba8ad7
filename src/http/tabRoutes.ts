import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Request, Response, Server } from 'restify';
import type { AppConfig } from '../config';
import type { Logger } from '../log/logger';
import { jsonBody, stringField } from './httpInput';
import type { LocalSessions } from './localSessions';
import { sendProblem } from './problem';
import type { RouteModule, RouteWrapper } from './server';

/** Where Teams (and Microsoft 365 hosts of Teams apps) frame a tab; a tab must let exactly these frame it. */
export const TAB_FRAME_ANCESTORS = [
  "'self'",
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://teams.cloud.microsoft',
  'https://*.cloud.microsoft',
  'https://*.office.com',
  'https://*.office365.com',
  'https://*.microsoft365.com',
  'https://*.outlook.com',
  'https://*.skype.com',
];

const TAB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // Fluent UI (Griffel) inserts its style rules at run time.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  `frame-ancestors ${TAB_FRAME_ANCESTORS.join(' ')}`,
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** What the page needs before its first request, written into index.html (never a secret). */
export interface TabPageSettings {
  /** How the tab asks Entra ID for a user token in Teams; absent: sign-in for the tab is not set up. */
  signIn?: { clientId: string; scope: string; authority: string };
  /** A local run: outside Teams the tab signs in as a person of the local directory. */
  localSignIn: boolean;
}

export function tabPageSettings(config: AppConfig, localSignIn: boolean): TabPageSettings {
  const s = config.tabSignIn;
  return {
    ...(s
      ? {
          signIn: {
            clientId: s.clientId,
            scope: `${s.appIdUri}/access_as_user`,
            authority: `https://login.microsoftonline.com/${s.tenantId}`,
          },
        }
      : {}),
    localSignIn,
  };
}

/**
 * The built tab (`npm run build` writes dist/tab): from src/ (tests, ts-node) and from dist/src (npm start)
 * alike, the nearest folder above that holds dist/tab/index.html.
 */
export function findTabBuild(from = __dirname): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'dist', 'tab');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The personal tab under /tab/: the page, its hashed assets, and in a local run the local sign-in. The
 * tab's pages may be framed by Teams (CSP frame-ancestors instead of the server-wide X-Frame-Options).
 */
export function tabRoutes(deps: {
  buildDir?: string;
  settings: TabPageSettings;
  localSessions?: LocalSessions;
  logger: Logger;
}): RouteModule {
  return (server: Server, route: RouteWrapper) => {
    const page = deps.buildDir && readPage(deps.buildDir, deps.settings);
    if (!page) deps.logger.warn('the tab is not built (no dist/tab/index.html): run npm run build');

    const framable = (res: Response, cache: string) => {
      res.removeHeader('X-Frame-Options');
      res.setHeader('Content-Security-Policy', TAB_CSP);
      res.setHeader('Cache-Control', cache);
    };

    server.get(
      '/tab',
      route(async (_req, res) => {
        res.redirect(301, '/tab/', () => undefined);
      }),
    );

    server.get(
      '/tab/',
      route(async (_req, res) => {
        if (!page)
          return sendProblem(
            res,
            404,
            'Not Found',
            'The tab is off: it is not built (no dist/tab/index.html). Run `npm run build` and start the app again.',
          );
        framable(res, 'no-cache');
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(page);
      }),
    );

    server.get(
      '/tab/assets/:file',
      route(async (req, res) => {
        const file = String(req.params?.file ?? '');
        const type = CONTENT_TYPES[path.extname(file)];
        const full = deps.buildDir && path.join(deps.buildDir, 'assets', file);
        if (!/^[\w.-]+$/.test(file) || !type || !full || !existsSync(full))
          return sendProblem(res, 404, 'Not Found', 'There is no such file of the tab.');
        // Asset names carry a hash of their content, so a browser may keep them for good.
        framable(res, 'public, max-age=31536000, immutable');
        res.setHeader('Content-Type', type);
        res.end(readFileSync(full));
      }),
    );

    if (!deps.localSessions) return;
    const sessions = deps.localSessions;
    server.post(
      '/tab/local-session',
      route(async (req: Request, res: Response) => {
        const body = req.body === undefined ? {} : jsonBody(req);
        const result = await sessions.signIn(req, stringField(body, 'userId', false));
        if (!result.ok)
          return sendProblem(
            res,
            result.status,
            result.status === 403 ? 'Forbidden' : 'Not Found',
            result.detail,
          );
        res.send(200, { token: result.token, user: result.user, people: result.people });
      }),
    );
  };
}

/** index.html with the settings in a meta tag (HTML-escaped JSON): no inline script, so the CSP can forbid them. */
function readPage(buildDir: string, settings: TabPageSettings): string | undefined {
  const file = path.join(buildDir, 'index.html');
  if (!existsSync(file)) return undefined;
  const json = JSON.stringify(settings).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return readFileSync(file, 'utf8').replace('__ROOTMAIL_TAB_SETTINGS__', json);
}
