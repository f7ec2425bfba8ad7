import { InvalidAddressInputError } from './addressErrors';
import {
  MAX_ADDRESSES_PER_MAILBOX,
  MAX_ALIASES_PER_MAILBOX,
  OWN_ADDRESSES_PER_MAILBOX,
  rootEmailProblem,
} from './addressRules';
const ALIASES_PER_COMMAND = 50;

export interface PoolPlanOptions {
  mailboxes: number;
  perMailbox: number;
  domain: string;
  /** The central mailbox every pool mailbox forwards to. */
  central?: string;
  /** Shared mailbox names: `<prefix>-01`, `<prefix>-02`, … */
  mailboxPrefix?: string;
  firstMailbox?: number;
  /** A fresh random token of [a-z0-9] per call (the caller owns the randomness). */
  randomToken: () => string;
  generatedAt: string;
}

export interface PoolPlan {
  mailboxes: { address: string; name: string; aliases: string[] }[];
  csv: string;
  powershell: string;
}

/** A top-up: Exchange Online PowerShell that creates shared mailboxes and aliases, and the CSV to import after. */
export function planPool(o: PoolPlanOptions): PoolPlan {
  const domain = o.domain.trim().toLowerCase();
  const prefix = (o.mailboxPrefix ?? 'aws-pool').toLowerCase();
  const first = o.firstMailbox ?? 1;
  checkOptions(o, domain, prefix, first);
  const taken = new Set<string>();
  const mailboxes = Array.from({ length: o.mailboxes }, (_, i) => {
    const name = `${prefix}-${String(first + i).padStart(2, '0')}`;
    const address = `${name}@${domain}`;
    const aliases: string[] = [];
    while (aliases.length < o.perMailbox) {
      const alias = `aws-${o.randomToken()}@${domain}`;
      if (taken.has(alias) || rootEmailProblem(alias)) continue;
      taken.add(alias);
      aliases.push(alias);
    }
    return { address, name, aliases };
  });
  const csv = [
    'mailbox,address',
    ...mailboxes.flatMap((m) => m.aliases.map((a) => `${m.address},${a}`)),
  ].join('\n');
  return { mailboxes, csv: `${csv}\n`, powershell: powershellFor(mailboxes, o) };
}

function checkOptions(o: PoolPlanOptions, domain: string, prefix: string, first: number): void {
  const problems: string[] = [];
  if (!Number.isInteger(o.mailboxes) || o.mailboxes < 1 || o.mailboxes > 500)
    problems.push('--mailboxes must be a whole number from 1 to 500');
  if (!Number.isInteger(o.perMailbox) || o.perMailbox < 1 || o.perMailbox > MAX_ALIASES_PER_MAILBOX)
    problems.push(
      `--per-mailbox must be a whole number from 1 to ${MAX_ALIASES_PER_MAILBOX} (Exchange stops at ${MAX_ADDRESSES_PER_MAILBOX} addresses per mailbox, and the mailbox's own ${OWN_ADDRESSES_PER_MAILBOX} count)`,
    );
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain))
    problems.push('--domain must be a domain like contoso.com');
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(prefix))
    problems.push('--prefix may use letters, digits and hyphens');
  if (!Number.isInteger(first) || first < 1) problems.push('--first must be a whole number from 1');
  if (o.central && rootEmailProblem(o.central.trim().toLowerCase()))
    problems.push(`--central ${rootEmailProblem(o.central.trim().toLowerCase())}`);
  if (problems.length) throw new InvalidAddressInputError(problems.join('\n'));
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

function powershellFor(mailboxes: PoolPlan['mailboxes'], o: PoolPlanOptions): string {
  const lines = [
    `# RootMail alias pool top-up, generated ${o.generatedAt}: ${mailboxes.length} shared mailbox(es) x ${o.perMailbox} aliases.`,
    '# Run in Exchange Online PowerShell as an Exchange administrator:',
    '#   Connect-ExchangeOnline -UserPrincipalName admin@yourtenant.com',
    '# Aliases take a few minutes to route mail. Then import the matching CSV: npm run pool:import -- <file>.csv',
    "$ErrorActionPreference = 'Stop'",
    o.central
      ? `$central = ${quote(o.central.trim().toLowerCase())}`
      : '# No --central given: no forwarding is set.',
    '',
  ];
  for (const m of mailboxes) {
    const id = quote(m.address);
    lines.push(
      `# ${m.address}`,
      `if (-not (Get-Mailbox -Identity ${id} -ErrorAction SilentlyContinue)) {`,
      `  New-Mailbox -Shared -Name ${quote(m.name)} -DisplayName ${quote(`AWS root pool ${m.name}`)} -Alias ${quote(m.name)} -PrimarySmtpAddress ${id} | Out-Null`,
      '}',
    );
    if (o.central)
      lines.push(`Set-Mailbox -Identity ${id} -ForwardingAddress $central -DeliverToMailboxAndForward $true`);
    for (let i = 0; i < m.aliases.length; i += ALIASES_PER_COMMAND) {
      const batch = m.aliases.slice(i, i + ALIASES_PER_COMMAND).map((a) => quote(`smtp:${a}`));
      lines.push(`Set-Mailbox -Identity ${id} -EmailAddresses @{Add=${batch.join(',')}}`);
    }
    lines.push(`Write-Host ${quote(`${m.address}: ${m.aliases.length} aliases added`)}`, '');
  }
  return `${lines.join('\r\n')}\r\n`;
}
