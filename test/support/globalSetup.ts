import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { chromiumInstalled, CHROMIUM_PATH, HOW_TO_INSTALL_CHROMIUM } from './browser';

/**
 * Before any suite: the compiled app in dist/ (and the Teams tab in dist/tab) is brought up to date (as
 * `npm start` does), so the tests that start the real process run what production runs, without compiling
 * TypeScript under load. Says up front whether the browser tests (test/browser) can run.
 */
export default function globalSetup(): void {
  const root = path.join(__dirname, '..', '..');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build-if-stale.cjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  console.log(`\nTests run on Node.js ${process.version} (${process.execPath}).`);
  console.log(
    chromiumInstalled
      ? `\nBrowser tests: Chromium at ${CHROMIUM_PATH}.`
      : `\nBrowser tests SKIPPED: no Chromium at ${CHROMIUM_PATH}. Install it (${HOW_TO_INSTALL_CHROMIUM}) or set CHROMIUM_PATH; .ci/run installs it.`,
  );
}
