import { normalizeAddress, rootEmailProblem } from './addressRules';

export interface PoolCsvRow {
  line: number;
  mailbox: string;
  address: string;
}

export interface PoolCsvLineProblem {
  line: number;
  problem: string;
}

/**
 * Reads a pool file with the columns `mailbox,address` (header line optional, blank lines and `#` comments
 * skipped). Every line is checked; the caller imports nothing when any line has a problem.
 */
export function parsePoolCsv(text: string): { rows: PoolCsvRow[]; problems: PoolCsvLineProblem[] } {
  const rows: PoolCsvRow[] = [];
  const problems: PoolCsvLineProblem[] = [];
  const mailboxOf = new Map<string, { mailbox: string; line: number }>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerLine = firstContentLine(lines);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const cells = trimmed.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (line === headerLine && /^mailbox$/i.test(cells[0]) && /^address$/i.test(cells[1] ?? '')) return;
    if (cells.length !== 2 || !cells[0] || !cells[1]) {
      problems.push({
        line,
        problem: `expected two columns \`mailbox,address\` but found ${cells.length === 1 ? 'one' : cells.length}`,
      });
      return;
    }
    const mailbox = normalizeAddress(cells[0]);
    const address = normalizeAddress(cells[1]);
    const lineProblems = [rootEmailProblem(mailbox), rootEmailProblem(address)].filter(Boolean) as string[];
    if (mailbox === address) lineProblems.push('the alias is the mailbox itself; list only extra aliases');
    const seen = mailboxOf.get(address);
    if (seen && seen.mailbox !== mailbox)
      lineProblems.push(`\`${address}\` is already given to ${seen.mailbox} on line ${seen.line}`);
    if (lineProblems.length) {
      problems.push({ line, problem: lineProblems.join('; ') });
      return;
    }
    if (seen) return; // the same line twice is harmless
    mailboxOf.set(address, { mailbox, line });
    rows.push({ line, mailbox, address });
  });
  return { rows, problems };
}

function firstContentLine(lines: string[]): number {
  const index = lines.findIndex((l) => l.trim() && !l.trim().startsWith('#'));
  return index + 1;
}

/** A short text listing bad lines, at most `max` of them, for chat and problem details. */
export function describeLineProblems(problems: PoolCsvLineProblem[], max = 10): string {
  const shown = problems.slice(0, max).map((p) => `line ${p.line}: ${p.problem}`);
  if (problems.length > max) shown.push(`…and ${problems.length - max} more`);
  return `Nothing was imported: fix ${problems.length === 1 ? 'this line' : `these ${problems.length} lines`} and send the file again.\n${shown.join('\n')}`;
}
