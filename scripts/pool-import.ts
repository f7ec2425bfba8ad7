import { runScript } from './scriptFailure';
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createApp } from '../src/main/createApp';
import { loadConfig } from '../src/config';
import { AddressError } from '../src/domain/addressErrors';
import { person } from '../src/domain/permissions';

/**
 * npm run pool:import -- pool.csv
 * Imports aliases (lines `mailbox,address`) into the configured store, with the same checks as
 * POST /api/v1/pool/import. The file is streamed twice (checked whole, then written in batches), so a
 * million lines take a minute or two and little memory; idempotent, and a file with any bad line imports
 * nothing.
 */
async function main(): Promise<void> {
  const started = Date.now();
  const file = process.argv[2];
  if (!file) throw new AddressError('Say which file: npm run pool:import -- pool.csv');
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
  } catch {
    throw new AddressError(`Cannot read ${file}: check the path.`);
  }
  const lines = () =>
    createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });

  // The CLI never listens, so the anonymous-bot rule of the server does not apply to it.
  const app = await createApp(loadConfig(process.env, { guardAnonymousBot: false }), { startTimers: false });
  try {
    const who = process.env.USER ?? process.env.USERNAME ?? 'cli';
    const result = await app.services.pool.importFile(
      lines,
      person(`cli:${who}`, `pool:import (${who})`, true),
    );
    console.log(
      `Imported ${result.imported} alias(es); ${result.alreadyPresent} were already in the pool; ${result.mailboxesCreated} new mailbox(es).`,
    );
    const summary = await app.services.pool.summary();
    console.log(`The pool now has ${summary.free} free aliases across ${summary.mailboxes} mailbox(es).`);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const peakMb = Math.round(process.resourceUsage().maxRSS / 1024);
    console.log(`Done in ${seconds} s (peak memory ${peakMb} MB).`);
  } finally {
    await app.close();
  }
}

runScript(main);
