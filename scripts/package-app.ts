import { failureLine } from './scriptFailure';
import AdmZip from 'adm-zip';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `npm run package`: fills appPackage/manifest.json's ${{...}} placeholders from the environment and zips it
 * with the two icons into appPackage/build/rootmail.zip, ready to upload in Teams (Apps → Manage your apps →
 * Upload an app) or the Teams admin center.
 *   MicrosoftAppId (or BOT_ID)  the bot's Entra app id (required, a GUID)
 *   TEAMS_APP_ID                the Teams app id (optional, a GUID; defaults to the bot id)
 *   PUBLIC_BASE_URL             where the bot is reachable (optional; its host goes into validDomains, and
 *                               the personal tabs Registry, Pool and Approvals are served from it)
 *   TAB_CLIENT_ID or API_AUDIENCE  the client id of the app registration the tab signs in with (optional; the
 *                               GUID among API_AUDIENCE's values); becomes webApplicationInfo
 */

export const APP_PACKAGE_DIR = path.join(__dirname, '..', 'appPackage');
export const DEFAULT_ZIP = path.join(APP_PACKAGE_DIR, 'build', 'rootmail.zip');
const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const PLACEHOLDER = /\$\{\{([A-Z_]+)\}\}/g;

export class PackageError extends Error {}

/** The placeholder values an environment provides, or a PackageError saying what to set. */
export function manifestValues(env: NodeJS.ProcessEnv): Record<string, string> {
  const botId = (env.MicrosoftAppId || env.BOT_ID || '').trim();
  if (!botId) {
    throw new PackageError(
      "Set MicrosoftAppId (or BOT_ID) to the bot's Entra app id (a GUID) to build the Teams app package.",
    );
  }
  if (!GUID.test(botId)) {
    throw new PackageError(`The bot id "${botId}" is not a GUID: use the bot's Entra app (client) id.`);
  }
  const appId = (env.TEAMS_APP_ID || botId).trim();
  if (!GUID.test(appId)) throw new PackageError(`TEAMS_APP_ID "${appId}" is not a GUID.`);
  const values: Record<string, string> = { BOT_ID: botId.toLowerCase(), TEAMS_APP_ID: appId.toLowerCase() };
  if (env.PUBLIC_BASE_URL) {
    try {
      values.BOT_DOMAIN = new URL(env.PUBLIC_BASE_URL).host;
    } catch {
      throw new PackageError(`PUBLIC_BASE_URL "${env.PUBLIC_BASE_URL}" is not a URL.`);
    }
  }
  const tabClientId = (
    env.TAB_CLIENT_ID ||
    (env.API_AUDIENCE ?? '')
      .split(',')
      .map((a) => a.trim())
      .find((a) => GUID.test(a)) ||
    ''
  ).trim();
  if (tabClientId) {
    if (!GUID.test(tabClientId)) throw new PackageError(`TAB_CLIENT_ID "${tabClientId}" is not a GUID.`);
    values.TAB_CLIENT_ID = tabClientId.toLowerCase();
  }
  return values;
}

const placeholders = (value: unknown) => [...JSON.stringify(value).matchAll(PLACEHOLDER)].map((m) => m[1]);

/**
 * Parts of the manifest that need a value the environment does not give are left out rather than
 * half-filled: the personal tabs without a host to serve them, the tab's sign-in without its client id.
 */
function withoutUnknownParts(manifest: Record<string, unknown>, values: Record<string, string>): void {
  const known = (part: unknown) => placeholders(part).every((name) => values[name] !== undefined);
  if (Array.isArray(manifest.validDomains))
    manifest.validDomains = manifest.validDomains.filter((d: string) => known(d));
  if (Array.isArray(manifest.staticTabs)) {
    const tabs = manifest.staticTabs.filter((tab) => known(tab));
    const content = tabs.filter((tab: { contentUrl?: string }) => tab.contentUrl);
    if (content.length) manifest.staticTabs = tabs;
    else delete manifest.staticTabs;
  }
  if (manifest.webApplicationInfo && !known(manifest.webApplicationInfo)) delete manifest.webApplicationInfo;
}

/** The manifest with every placeholder filled, and the parts whose values are unknown left out. */
export function fillManifest(template: string, values: Record<string, string>): Record<string, unknown> {
  const manifest = JSON.parse(template) as Record<string, unknown>;
  withoutUnknownParts(manifest, values);
  const missing = new Set<string>();
  const filled = JSON.stringify(manifest).replace(PLACEHOLDER, (whole, name: string) => {
    if (values[name] === undefined) missing.add(name);
    return values[name] ?? whole;
  });
  if (missing.size) throw new PackageError(`No value for ${[...missing].join(', ')} in the manifest.`);
  return JSON.parse(filled) as Record<string, unknown>;
}

/** Builds the zip (manifest.json, color.png, outline.png at its root) and returns the filled manifest. */
export function buildAppPackage(env: NodeJS.ProcessEnv, outFile = DEFAULT_ZIP): Record<string, unknown> {
  const template = readFileSync(path.join(APP_PACKAGE_DIR, 'manifest.json'), 'utf8');
  const manifest = fillManifest(template, manifestValues(env));
  const zip = new AdmZip();
  zip.addFile('manifest.json', Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8'));
  for (const icon of ['color.png', 'outline.png']) {
    zip.addFile(icon, readFileSync(path.join(APP_PACKAGE_DIR, icon)));
  }
  mkdirSync(path.dirname(outFile), { recursive: true });
  zip.writeZip(outFile);
  return manifest;
}

if (require.main === module) {
  const outArg = process.argv.indexOf('--out');
  const outFile = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : DEFAULT_ZIP;
  try {
    const manifest = buildAppPackage(process.env, outFile);
    const bot = (manifest.bots as Array<{ botId: string }>)[0];
    const tabs = ((manifest.staticTabs ?? []) as Array<{ name?: string }>).flatMap((t) => t.name ?? []);
    const signIn = manifest.webApplicationInfo as { id: string } | undefined;
    console.log(
      [
        `Built ${outFile} (bot id ${bot.botId}).`,
        tabs.length
          ? `  personal tabs: ${tabs.join(', ')}`
          : '  no personal tabs: set PUBLIC_BASE_URL to where the app is served',
        signIn
          ? `  tab sign-in: client id ${signIn.id}`
          : '  no tab sign-in: set TAB_CLIENT_ID (or API_AUDIENCE) to the app registration of docs/deployment.md',
        'Upload it in Teams: Apps → Manage your apps → Upload.',
      ].join('\n'),
    );
  } catch (err) {
    console.error(
      `Cannot build the Teams app package: ${err instanceof PackageError ? err.message : failureLine(err)}`,
    );
    process.exit(1);
  }
}
