import { readFileSync } from 'node:fs';
import { createApp } from '../src/main/createApp';
import { ConfigError, loadConfig } from '../src/config';
import { AddressError } from '../src/domain/addressErrors';
import { person } from '../src/domain/permissions';

/**
 * npm run pool:import -- pool.csv
 * Imports aliases (lines `mailbox,address`) into the configured store, the same way POST /api/v1/pool/import
 * does; idempotent, and a file with any bad line imports nothing.
 */
async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new AddressError('Say which file: npm run pool:import -- pool.csv');
  let csv: string;
  try {
    csv = readFileSync(file, 'utf8');
  } catch {
    throw new AddressError(`Cannot read ${file}: check the path.`);
  }
  // The CLI never listens, so the anonymous-bot rule of the server does not apply to it.
  const app = await createApp(loadConfig(process.env, { guardAnonymousBot: false }), { startTimers: false });
  try {
    const who = process.env.USER ?? process.env.USERNAME ?? 'cli';
    const result = await app.services.pool.importCsv(csv, person(`cli:${who}`, `pool:import (${who})`, true));
    console.log(
      `Imported ${result.imported} alias(es); ${result.alreadyPresent} were already in the pool; ${result.mailboxesCreated} new mailbox(es).`,
    );
    const status = await app.services.pool.status();
    console.log(
      `The pool now has ${status.totals.free} free aliases across ${status.mailboxes.length} mailbox(es).`,
    );
  } finally {
    await app.close();
  }
}

main().catch((err) => {
  console.error(err instanceof AddressError || err instanceof ConfigError ? err.message : err);
  process.exitCode = 1;
});
