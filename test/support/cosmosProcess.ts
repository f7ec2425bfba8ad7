import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

export interface CosmosServerProcess {
  endpoint: string;
  key: string;
  pid?: number;
  stop(): Promise<void>;
}

/**
 * The tests' Cosmos-protocol server (cosmosServer.ts, with its linear scans and no query plans) in a process
 * of its own, as a real database would be: several app processes share it, and killing one of them (or
 * loading this process) leaves it serving.
 */
export async function startCosmosServerProcess(): Promise<CosmosServerProcess> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-e',
      `require('./test/support/cosmosServer').startCosmosServer()
         .then((s) => console.log('ENDPOINT ' + s.endpoint + ' KEY ' + s.key))`,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const started = await new Promise<{ endpoint: string; key: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ENDPOINT (\S+) KEY (\S+)/.exec(out);
      if (match) resolve({ endpoint: match[1], key: match[2] });
    });
    void exited.then(() => reject(new Error(`the Cosmos-protocol server exited before listening: ${out}`)));
  });
  return {
    ...started,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null) child.kill();
      await exited;
    },
  };
}
