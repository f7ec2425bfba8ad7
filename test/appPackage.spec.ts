import { AppManifestUtils } from '@microsoft/app-manifest';
import AdmZip from 'adm-zip';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';

const run = promisify(execFile);
const root = path.join(__dirname, '..');
const appPackage = path.join(root, 'appPackage');
const BOT_ID = '6f1c3a52-8d2e-4b7a-9c01-2e5d7f4a9b10';
const TAB_CLIENT_ID = '7d3f0c2a-5b1e-4c8d-9a6f-1e2b3c4d5e6f';
const template = readFileSync(path.join(appPackage, 'manifest.json'), 'utf8');

/** The schema file @microsoft/app-manifest bundles for a $schema URL: read from disk, never fetched. */
function bundledSchemaFor(schemaUrl: string): string {
  const suffix = new URL(schemaUrl).pathname.replace(/^\//, '');
  const packageDir = path.dirname(require.resolve('@microsoft/app-manifest/package.json'));
  return path.join(packageDir, 'build', suffix);
}

/** Runs `npm run package`'s script as a user would, with only the given settings. */
async function packageApp(env: Record<string, string>, outFile: string) {
  const script = path.join(root, 'scripts', 'package-app.ts');
  const { PATH, HOME } = process.env;
  return run(process.execPath, ['-r', 'ts-node/register/transpile-only', script, '--out', outFile], {
    cwd: root,
    env: { PATH, HOME, ...env },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

function readPng(file: string | Buffer): PNG {
  return PNG.sync.read(Buffer.isBuffer(file) ? file : readFileSync(path.join(appPackage, file)));
}

describe('Teams app package', () => {
  let outDir: string;
  beforeAll(() => {
    outDir = mkdtempSync(path.join(tmpdir(), 'rootmail-package-'));
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('declares a current manifest schema (1.22 or newer) that is bundled for offline validation', () => {
    const manifest = JSON.parse(template);
    const [, version] = /\/teams\/v(1\.\d+)\/MicrosoftTeams\.schema\.json$/.exec(manifest.$schema) ?? [];
    expect(version).toBe(manifest.manifestVersion);
    expect(Number(version.split('.')[1])).toBeGreaterThanOrEqual(22);
    expect(existsSync(bundledSchemaFor(manifest.$schema))).toBe(true);
  });

  it('builds a zip whose manifest passes the official JSON schema, with the bot id filled in', async () => {
    const outFile = path.join(outDir, 'rootmail.zip');
    const result = await packageApp(
      { MicrosoftAppId: BOT_ID, PUBLIC_BASE_URL: 'https://rootmail.contoso.com' },
      outFile,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(BOT_ID);

    const zip = new AdmZip(outFile);
    expect(
      zip
        .getEntries()
        .map((e) => e.entryName)
        .sort(),
    ).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(zip.readAsText('manifest.json'));
    expect(JSON.stringify(manifest)).not.toContain('${{');
    expect(manifest.id).toBe(BOT_ID);
    expect(manifest.bots[0].botId).toBe(BOT_ID);
    expect(manifest.validDomains).toEqual(['rootmail.contoso.com']);

    const schema = JSON.parse(readFileSync(bundledSchemaFor(manifest.$schema), 'utf8'));
    expect(await AppManifestUtils.validateAgainstSchema(manifest, schema)).toEqual([]);

    expect(readPng(zip.readFile('color.png')!)).toMatchObject({ width: 192, height: 192 });
    expect(readPng(zip.readFile('outline.png')!)).toMatchObject({ width: 32, height: 32 });
  });

  it('adds the personal tabs and their sign-in (webApplicationInfo), schema-valid, when host and client id are known', async () => {
    const outFile = path.join(outDir, 'with-tabs.zip');
    const result = await packageApp(
      {
        MicrosoftAppId: BOT_ID,
        PUBLIC_BASE_URL: 'https://rootmail.contoso.com',
        API_AUDIENCE: `${TAB_CLIENT_ID},api://rootmail.contoso.com/${TAB_CLIENT_ID}`,
      },
      outFile,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/personal tabs: Registry, Pool, Approvals/);
    const manifest = JSON.parse(new AdmZip(outFile).readAsText('manifest.json'));
    expect(manifest.staticTabs.map((t: { entityId: string }) => t.entityId)).toEqual([
      'conversations',
      'registry',
      'pool',
      'approvals',
      'about',
    ]);
    const registry = manifest.staticTabs.find((t: { entityId: string }) => t.entityId === 'registry');
    expect(registry).toMatchObject({
      contentUrl: 'https://rootmail.contoso.com/tab/?view=registry',
      scopes: ['personal'],
    });
    // Teams SSO asks for a token for `resource`: the Application ID URI of docs/deployment.md's registration.
    expect(manifest.webApplicationInfo).toEqual({
      id: TAB_CLIENT_ID,
      resource: `api://rootmail.contoso.com/${TAB_CLIENT_ID}`,
    });
    expect(manifest.validDomains).toEqual(['rootmail.contoso.com']);
    const schema = JSON.parse(readFileSync(bundledSchemaFor(manifest.$schema), 'utf8'));
    expect(await AppManifestUtils.validateAgainstSchema(manifest, schema)).toEqual([]);
  });

  it('leaves the tabs and their sign-in out, saying so, when the host or client id is unknown', async () => {
    const outFile = path.join(outDir, 'without-tabs.zip');
    const result = await packageApp({ MicrosoftAppId: BOT_ID }, outFile);
    expect(result.stdout).toMatch(/no personal tabs: set PUBLIC_BASE_URL/);
    expect(result.stdout).toMatch(/no tab sign-in: set TAB_CLIENT_ID/);
    const manifest = JSON.parse(new AdmZip(outFile).readAsText('manifest.json'));
    expect(manifest.staticTabs).toBeUndefined();
    expect(manifest.webApplicationInfo).toBeUndefined();
    expect(JSON.stringify(manifest)).not.toContain('${{');
  });

  it('offers the bot in personal, team and group chats with at most 10 commands per scope', () => {
    const bot = JSON.parse(template).bots[0];
    expect(bot.scopes.sort()).toEqual(['groupChat', 'personal', 'team']);
    expect(bot.supportsFiles).toBe(false);
    const lists = bot.commandLists as Array<{ scopes: string[]; commands: Array<{ title: string }> }>;
    expect(lists.flatMap((l) => l.scopes).sort()).toEqual(['groupChat', 'personal', 'team']);
    for (const list of lists) {
      expect(list.commands.length).toBeLessThanOrEqual(10);
      expect(list.commands.map((c) => c.title)).toContain('help');
    }
    const team = lists.find((l) => l.scopes.includes('team'))!.commands.map((c) => c.title);
    expect(team).toEqual(expect.arrayContaining(['setup oncall', 'setup approvals']));
  });

  it('has an outline icon that is white on a transparent background', () => {
    const outline = readPng('outline.png');
    let transparent = 0;
    let opaque = 0;
    for (let i = 0; i < outline.data.length; i += 4) {
      const [r, g, b, a] = outline.data.subarray(i, i + 4);
      if (a === 0) transparent++;
      else expect([r, g, b]).toEqual([255, 255, 255]);
      if (a === 255) opaque++;
    }
    expect(transparent).toBeGreaterThan(outline.data.length / 4 / 3);
    expect(opaque).toBeGreaterThan(50);
  });

  it('has a full-colour 192×192 colour icon', () => {
    const color = readPng('color.png');
    expect(color).toMatchObject({ width: 192, height: 192 });
    const distinctColours = new Set<string>();
    for (let i = 0; i < color.data.length; i += 4) {
      const [r, g, b, a] = color.data.subarray(i, i + 4);
      if (a === 255 && !(r === g && g === b)) distinctColours.add(`${r},${g},${b}`);
    }
    expect(distinctColours.size).toBeGreaterThanOrEqual(3);
  });

  it.each([
    [{}, /Set MicrosoftAppId \(or BOT_ID\)/],
    [{ BOT_ID: 'my-bot' }, /"my-bot" is not a GUID/],
  ])('refuses to build without a valid bot id (%j)', async (env, message) => {
    const outFile = path.join(outDir, 'refused.zip');
    const result = await packageApp(env as Record<string, string>, outFile);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(existsSync(outFile)).toBe(false);
  });
});
