import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');

/**
 * The compiled app (dist/, as production runs it), wired by createApp once without and once with AWS
 * settings: the AWS SDK is loaded only when the feature is on.
 */
describe('wiring AWS Organizations', () => {
  function wire(env: Record<string, string>): { sdkLoaded: boolean; awsServices: boolean } {
    const dir = mkdtempSync(path.join(tmpdir(), 'rootmail-wiring-'));
    try {
      const script = `
        const { createApp } = require(${JSON.stringify(path.join(ROOT, 'dist/src/main/createApp'))});
        const { loadConfig } = require(${JSON.stringify(path.join(ROOT, 'dist/src/config'))});
        (async () => {
          const app = await createApp(loadConfig(${JSON.stringify({ DATA_DIR: dir, LOG_LEVEL: 'silent', ...env })}), { startTimers: false });
          const sdkLoaded = Object.keys(require.cache).some((k) => /@aws-sdk[\\\\/]client-(organizations|account)/.test(k));
          await app.close();
          process.stdout.write(JSON.stringify({ sdkLoaded, awsServices: !!app.services.aws }));
        })();`;
      const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
      return JSON.parse(out.trim().split('\n').at(-1)!);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('without AWS settings loads no AWS SDK and offers no AWS services', () => {
    expect(wire({})).toEqual({ sdkLoaded: false, awsServices: false });
  });

  it('with AWS settings builds the adapter and the use cases', () => {
    expect(wire({ AWS_CREDENTIAL_SOURCE: 'environment' })).toEqual({ sdkLoaded: true, awsServices: true });
  });
});
