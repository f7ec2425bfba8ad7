import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * `npm run bench:import`: `npm run pool:import` of a generated file of 1,000,000 lines (3,334 shared mailboxes
 * at 300 aliases, as pool:plan writes them) into an empty embedded store, run as an operator runs it. Prints
 * the time and the CLI's peak RSS (its own getrusage). Goal: ≤ 2 min and ≤ 300 MB. BENCH_LINES sets
 * another size.
 */
const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const PER_MAILBOX = 300;
const root = path.join(__dirname, '..');

async function writePoolFile(file: string): Promise<void> {
  const out = createWriteStream(file);
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (out.write(text)) return resolve();
      const failed = (err: Error) => reject(err);
      out.once('error', failed).once('drain', () => {
        out.off('error', failed);
        resolve();
      });
    });
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed;
  };
  await write('mailbox,address\n');
  let chunk = '';
  for (let i = 0; i < LINES; i++) {
    const mailbox = `aws-pool-${String(Math.floor(i / PER_MAILBOX) + 1).padStart(5, '0')}@contoso.com`;
    // Unique (the line number in base 36) and irregular (a pseudo-random tail), like pool:plan's names.
    const alias = `aws-${i.toString(36)}x${(random() % 46656).toString(36)}@contoso.com`;
    chunk += `${mailbox},${alias}\n`;
    if (chunk.length > 64_000) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve) => out.end(resolve));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rootmail-bench-import-'));
  try {
    const file = path.join(dir, 'pool.csv');
    await writePoolFile(file);
    console.log(
      `pool import bench: ${LINES.toLocaleString('en')} lines (${(statSync(file).size / 1e6).toFixed(0)} MB), ` +
        `embedded store, Node ${process.version}, load average ${loadavg()[0].toFixed(1)}`,
    );
    const started = Date.now();
    const { stdout } = await promisify(execFile)(
      'npm',
      ['run', '--silent', 'pool:import', '--', file], // exactly what an operator runs
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn' },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(stdout.replace(/^/gm, '  | '));
    const peak = Number(/peak memory (\d+) MB/.exec(stdout)?.[1]);
    const imported = Number(/Imported (\d+)/.exec(stdout)?.[1]);
    console.log(
      `time ${seconds.toFixed(1)} s (goal ≤ 120 s), peak RSS ${peak} MB (goal ≤ 300 MB), ` +
        `${Math.round(imported / seconds).toLocaleString('en')} aliases/s`,
    );
    if (imported !== Math.floor(LINES)) throw new Error(`imported ${imported} of ${LINES} aliases`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
