import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Before any suite: the compiled app in dist/ is brought up to date (as `npm start` does), so the tests
 * that start the real process run what production runs, without compiling TypeScript under load.
 */
export default function globalSetup(): void {
  const root = path.join(__dirname, '..', '..');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build-if-stale.cjs')], {
    cwd: root,
    stdio: 'inherit',
  });
}
