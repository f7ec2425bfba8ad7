import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AddressError } from '../src/domain/addressErrors';
import { planPool } from '../src/domain/poolPlan';

/**
 * npm run pool:plan -- --mailboxes 2 --per-mailbox 300 --domain contoso.com [--central root@contoso.com]
 *   [--prefix aws-pool] [--first 1] [--out dir]
 * Writes the Exchange Online PowerShell script and the CSV to import once it has run.
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
      out: { type: 'string', default: '.' },
    },
  });
  if (!values.domain) throw new AddressError('--domain is required, e.g. --domain contoso.com');
  const generatedAt = new Date().toISOString();
  const plan = planPool({
    mailboxes: Number(values.mailboxes),
    perMailbox: Number(values['per-mailbox']),
    domain: values.domain,
    central: values.central,
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

try {
  main();
} catch (err) {
  console.error(err instanceof AddressError ? err.message : err);
  process.exitCode = 1;
}
