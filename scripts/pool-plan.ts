import { runScript } from './scriptFailure';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { planPool } from '../src/domain/poolPlan';

/**
 * npm run pool:plan [-- --mailboxes 1 --per-mailbox 300 --domain contoso.com --central root@contoso.com
 *   --prefix aws-pool --first 1 --out pool-plans]
 * Writes the Exchange Online PowerShell script and the CSV to import once it has run. Every option has a
 * default: the domain is MAILBOX's (or PLUS_ADDRESS's) when set, else the local demo's example.net, so a
 * plan with no arguments is a safe example that can be imported into a local run but not mistaken for yours.
 */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomToken(): string {
  return Array.from(randomBytes(10), (b) => ALPHABET[b % ALPHABET.length]).join('');
}

function main(): void {
  const { values } = parseArgs({
    options: {
      mailboxes: { type: 'string', default: '1' },
      'per-mailbox': { type: 'string', default: '300' },
      domain: { type: 'string' },
      central: { type: 'string' },
      prefix: { type: 'string' },
      first: { type: 'string' },
      out: { type: 'string', default: 'pool-plans' },
    },
  });
  const configured = [process.env.MAILBOX, process.env.PLUS_ADDRESS].find((a) => a?.includes('@'));
  const domain = values.domain ?? configured?.split('@').pop()?.toLowerCase() ?? 'example.net';
  if (!values.domain)
    console.log(
      configured
        ? `Domain ${domain}, from ${process.env.MAILBOX ? 'MAILBOX' : 'PLUS_ADDRESS'} (--domain to choose another).`
        : `Domain ${domain}: an example (the local demo's), no MAILBOX set. Pass --domain contoso.com for yours.`,
    );
  const generatedAt = new Date().toISOString();
  const plan = planPool({
    mailboxes: Number(values.mailboxes),
    perMailbox: Number(values['per-mailbox']),
    domain,
    central: values.central ?? (process.env.MAILBOX?.includes('@') ? process.env.MAILBOX : undefined),
    mailboxPrefix: values.prefix,
    firstMailbox: values.first ? Number(values.first) : undefined,
    randomToken,
    generatedAt,
  });
  mkdirSync(values.out!, { recursive: true });
  const base = path.join(values.out!, `pool-plan-${generatedAt.slice(0, 19).replace(/[:T]/g, '-')}`);
  writeFileSync(`${base}.ps1`, plan.powershell);
  writeFileSync(`${base}.csv`, plan.csv);
  const aliases = plan.mailboxes.reduce((n, m) => n + m.aliases.length, 0);
  console.log(`Planned ${plan.mailboxes.length} mailbox(es) with ${aliases} aliases.`);
  console.log(`1. Run ${base}.ps1 in Exchange Online PowerShell.`);
  console.log(`2. After a few minutes: npm run pool:import -- ${base}.csv`);
}

runScript(main);
