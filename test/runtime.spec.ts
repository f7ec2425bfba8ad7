import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NODE_MAJOR, unsupportedNode } from '../src/main/runtime';

/**
 * One Node.js line everywhere: the Node the project brings (and npm scripts run), the engines it declares,
 * the runtime check at start, App Service's stack, and the Node these tests run on.
 */
const ROOT = path.join(__dirname, '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json'));
const majorOf = (version: string) => Number(/(\d+)/.exec(version)?.[1]);

describe('the Node.js RootMail runs on', () => {
  it('is the same LTS line in package.json, the start check, infra/ and the running tests', () => {
    expect(majorOf(pkg.devDependencies.node)).toBe(NODE_MAJOR);
    expect(pkg.devDependencies.node).toMatch(/^\d+\.\d+\.\d+$/); // pinned exactly, like every dependency
    expect(pkg.engines.node).toBe(`>=${NODE_MAJOR}`);
    expect(read('infra/modules/appService.bicep')).toContain(`linuxFxVersion: 'NODE|${NODE_MAJOR}-lts'`);
    expect(read('infra/main.bicep')).toContain(`WEBSITE_NODE_DEFAULT_VERSION: '~${NODE_MAJOR}'`);
    // npm test runs jest with the project's Node (node_modules/.bin comes first on an npm script's PATH).
    expect(process.version).toBe(`v${pkg.devDependencies.node}`);
  });

  it('refuses an older Node.js at start with what to do, and takes this line or a newer one', () => {
    expect(unsupportedNode('v20.20.2')).toMatch(
      /RootMail runs on Node\.js 24 LTS; this is Node\.js v20\.20\.2\. Start it with `npm start`/,
    );
    expect(unsupportedNode('v22.23.3')).toBeDefined();
    expect(unsupportedNode(`v${NODE_MAJOR}.0.0`)).toBeUndefined();
    expect(unsupportedNode(process.version)).toBeUndefined();
  });

  it('brings no native module to compile: the embedded store is node:sqlite', () => {
    const lock = JSON.parse(read('package-lock.json'));
    const native = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
      .filter(([name, p]) => p.hasInstallScript && name.startsWith('node_modules/'))
      .map(([name]) => name.replace(/^.*node_modules\//, ''))
      .filter((name) => pkg.allowScripts?.[name] === true);
    // The install scripts npm runs: the project's Node itself, esbuild's binary check, botbuilder-dialogs'.
    expect(native.sort()).toEqual(['botbuilder-dialogs', 'esbuild', 'node']);
  });
});
