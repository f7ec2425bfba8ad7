import { readFileSync } from 'node:fs';
import path from 'node:path';
import { failureLine, runScript } from './scriptFailure';

/**
 * `npm run mail:inject -- message.eml [more.eml…]`: feeds raw mails into the relay of the instance running
 * on this machine (POST /api/dev/mail), as if they had arrived in the mailbox. Reads the token the app
 * wrote into DATA_DIR at start; PORT and DATA_DIR as for `npm start`.
 */
async function main(): Promise<void> {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('Usage: npm run mail:inject -- message.eml [more.eml …]');
    process.exit(2);
  }
  const dataDir = process.env.DATA_DIR || './data';
  const port = process.env.PORT || '3978';
  let token: string;
  try {
    token = readFileSync(path.join(dataDir, 'dev-mail-token'), 'utf8').trim();
  } catch {
    console.error(
      `No token in ${path.join(dataDir, 'dev-mail-token')}: start the app first (npm start), with the same DATA_DIR.`,
    );
    process.exit(1);
  }
  for (const file of files) {
    let raw: Buffer;
    try {
      raw = readFileSync(file);
    } catch (err) {
      console.error(`${file}: ${failureLine(err)}`);
      process.exitCode = 1;
      continue;
    }
    const res = await fetch(`http://127.0.0.1:${port}/api/dev/mail`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ raw: raw.toString('base64') }),
    }).catch((err: Error) => {
      console.error(`Cannot reach the app on port ${port}: ${err.message}. Is it running (npm start)?`);
      process.exit(1);
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      console.error(`${file}: ${res.status} ${String(body.detail ?? body.title ?? '')}`);
      process.exitCode = 1;
      continue;
    }
    const { outcome, class: mailClass, kind, trust, destination, routed } = body;
    const detail =
      outcome === 'duplicate'
        ? 'already relayed'
        : `${mailClass}/${kind}, ${trust}, ${routed ? 'routed' : 'unrouted'}, to ${destination}`;
    console.log(`${file}: ${outcome} (${detail})`);
    if (outcome === 'no-channel')
      console.log(
        '  Kept: no on-call channel is set up yet. It is posted there within a minute of an admin typing `@RootMail setup oncall` in a channel.',
      );
  }
}

runScript(main);
