import { build, Metafile } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * Builds the Teams tab (tab/) into dist/tab with esbuild: one module entry with content-hashed names, code
 * split so that MSAL (Nested App Authentication) loads only in hosts that offer it, and index.html naming the
 * entry. Runs in `npm run build` (so in `npm ci`, `prepare` and CI), offline: everything comes from
 * node_modules. Writes dist/tab/build.json with the size of each file, gzip included, for `npm run bench:tab`.
 */

// Run from dist/scripts (npm run build) or from scripts/ (ts-node).
const root =
  path.basename(path.dirname(__dirname)) === 'dist'
    ? path.join(__dirname, '..', '..')
    : path.join(__dirname, '..');
const source = path.join(root, 'tab');
const out = path.join(root, 'dist', 'tab');
const mainSource = path.join(source, 'src', 'main.tsx');

export interface TabBuild {
  entry: string;
  /** Files loaded before the first render (the entry and what it imports statically). */
  initial: string[];
  /** Size of each file, and the packages bundled in it (to tell the MSAL chunk apart). */
  files: Record<string, { bytes: number; gzip: number; packages: string[] }>;
}

async function main(): Promise<void> {
  const started = Date.now();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(path.join(out, 'assets'), { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: mainSource },
    outdir: path.join(out, 'assets'),
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    // New Teams and Outlook run tabs in Edge WebView2; the Teams web client in current browsers.
    target: ['chrome120', 'edge120', 'firefox120', 'safari16'],
    jsx: 'automatic',
    minify: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    logLevel: 'warning',
    tsconfig: path.join(source, 'tsconfig.json'),
  });
  const tabBuild = describe(result.metafile);
  const template = readFileSync(path.join(source, 'index.html'), 'utf8');
  // Teams is where the tab runs: teams-js (imported only inside a frame, so a local run never evaluates it)
  // loads beside the entry instead of after it.
  const teamsChunk = Object.keys(tabBuild.files).filter((f) =>
    tabBuild.files[f].packages.includes('@microsoft/teams-js'),
  );
  const preloads = [...tabBuild.initial, ...teamsChunk]
    .filter((f) => f !== tabBuild.entry)
    .map((f) => `<link rel="modulepreload" href="./assets/${f}">`)
    .join('\n    ');
  writeFileSync(
    path.join(out, 'index.html'),
    template.replace('<!-- preloads -->', preloads).replace('./src/main.tsx', `./assets/${tabBuild.entry}`),
  );
  writeFileSync(path.join(out, 'build.json'), `${JSON.stringify(tabBuild, null, 2)}\n`);
  const gzip = tabBuild.initial.reduce((n, f) => n + tabBuild.files[f].gzip, 0);
  console.log(
    `Built the tab into ${path.relative(root, out)} in ${Date.now() - started} ms: ` +
      `${(gzip / 1024).toFixed(0)} KB of JavaScript (gzip) before the first render.`,
  );
}

function describe(metafile: Metafile): TabBuild {
  const files: TabBuild['files'] = {};
  let entry = '';
  const imports = new Map<string, string[]>();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    const name = path.basename(file);
    const content = readFileSync(path.join(root, file));
    const packages = new Set(
      Object.keys(output.inputs).flatMap((input) => {
        const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
        return match ? [match[1]] : [];
      }),
    );
    files[name] = {
      bytes: content.length,
      gzip: gzipSync(content, { level: 9 }).length,
      packages: [...packages].sort(),
    };
    // Dynamic imports are entry points to esbuild too; the page's entry is main.tsx.
    if (output.entryPoint === path.relative(root, mainSource).split(path.sep).join('/')) entry = name;
    imports.set(
      name,
      output.imports.filter((i) => i.kind === 'import-statement').map((i) => path.basename(i.path)),
    );
  }
  const initial = new Set<string>();
  const visit = (name: string) => {
    if (initial.has(name)) return;
    initial.add(name);
    for (const next of imports.get(name) ?? []) visit(next);
  };
  visit(entry);
  return { entry, initial: [...initial], files };
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
