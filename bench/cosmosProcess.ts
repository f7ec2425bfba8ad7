import { spawn } from 'node:child_process';

/** The Cosmos-protocol server in its own process, as a real database would be: a bench measures the client. */
export async function startCosmosServerProcess(): Promise<{
  endpoint: string;
  key: string;
  /** The server's process id (to read its CPU time). */
  pid?: number;
  stop(): Promise<void>;
}> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('@vercel/cosmosdb-server').createHttpServer({ keepAlive: true });
       s.listen(0, '127.0.0.1', () => console.log('PORT ' + s.address().port));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /PORT (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`cosmos server exited with ${code}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pid: child.pid,
    key: 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==',
    stop: async () => {
      child.kill();
    },
  };
}
