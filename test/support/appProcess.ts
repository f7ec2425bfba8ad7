import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

export interface AppProcess {
  child: ChildProcess;
  /** The base URL from the start banner. */
  url: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** kill -9 (a crash: no shutdown code runs) and wait for the exit. */
  crash(): Promise<void>;
}

/**
 * Starts the compiled app (dist/src/main/index.js) as production does, in its own process, with exactly the
 * given settings (plus PATH), and waits for its start banner. `root`: another checkout's build (e.g. an
 * older commit's, to show that a test fails there).
 */
export async function startAppProcess(
  env: Record<string, string>,
  timeoutMs = 30_000,
  root = ROOT,
): Promise<AppProcess> {
  const child = spawn(process.execPath, ['dist/src/main/index.js'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start banner:\n${output}`)), timeoutMs);
    const look = () => {
      const match = /RootMail is listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', look);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`exited before listening:\n${output}`));
    });
  });
  return {
    child,
    url,
    output: () => output,
    exited,
    crash: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
