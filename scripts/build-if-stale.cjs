// Runs before `npm start` (and before the tests): rebuilds dist/ only when a source file is newer than the
// last build, so a fresh start costs milliseconds and an edited tree is never started from stale output.
// The server (tsc) and the Teams tab (esbuild, dist/tab) are checked apart.
const { execFileSync } = require('node:child_process');
const { readdirSync, statSync, existsSync, utimesSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const stamp = path.join(root, 'dist', '.tsbuildinfo');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (/\.(ts|tsx|json|html)$/.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

const sources = Math.max(
  newestSource(path.join(root, 'src')),
  newestSource(path.join(root, 'scripts')),
  statSync(path.join(root, 'package.json')).mtimeMs,
  statSync(path.join(root, 'tsconfig.json')).mtimeMs,
  statSync(path.join(root, 'tsconfig.build.json')).mtimeMs,
);
if (
  !existsSync(path.join(root, 'dist', 'src', 'main', 'index.js')) ||
  !existsSync(stamp) ||
  statSync(stamp).mtimeMs < sources
) {
  console.log('Building dist/ (sources changed since the last build)…');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  // tsc -b leaves its build info alone when nothing it compiles changed (e.g. only package.json did).
  const now = new Date();
  utimesSync(stamp, now, now);
}

const tabStamp = path.join(root, 'dist', 'tab', 'build.json');
const tabSources = Math.max(
  newestSource(path.join(root, 'tab')),
  newestSource(path.join(root, 'src', 'http')), // the API types the tab imports
  newestSource(path.join(root, 'src', 'domain')),
  statSync(path.join(root, 'scripts', 'build-tab.ts')).mtimeMs,
  statSync(path.join(root, 'package.json')).mtimeMs,
);
if (!existsSync(tabStamp) || statSync(tabStamp).mtimeMs < tabSources) {
  console.log('Building dist/tab (the Teams tab changed since the last build)…');
  execFileSync(process.execPath, [path.join(root, 'dist', 'scripts', 'build-tab.js')], {
    cwd: root,
    stdio: 'inherit',
  });
}
