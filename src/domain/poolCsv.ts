import { normalizeAddress, rootEmailProblem } from './addressRules';
import { CompactIndex } from './compactIndex';

export interface PoolCsvRow {
  line: number;
  mailbox: string;
  address: string;
}

export interface PoolCsvLineProblem {
  line: number;
  problem: string;
}

/** Addresses that are never pool aliases: the central mailbox (MAILBOX) and the plus strategy's base address. */
export interface ReservedAddresses {
  centralMailbox?: string;
  plusAddress?: string;
}

/**
 * `aws+x@contoso.com` → `aws@contoso.com`: where Exchange Online delivers a plus-addressed mail. Undefined
 * for an address without a plus part.
 */
export function plusBaseOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  const plus = address.indexOf('+');
  if (plus <= 0 || plus > at) return undefined;
  return address.slice(0, plus) + address.slice(at);
}

/**
 * Reads a pool file (`mailbox,address`; header optional, blank lines and `#` comments skipped) one line at a
 * time, so a file of any length is checked in one pass with memory for what it must remember: each alias
 * once (duplicates and plus variants inside the file) and each mailbox. The caller imports nothing when any
 * line has a problem. Pure: the store's side is checked by the caller.
 */
export class PoolCsvReader {
  /** Alias → line where the file first gave it (a million aliases in ~45 MB). */
  private readonly aliasLine = new CompactIndex();
  /** Line → index of its mailbox in `mailboxes` (for "already given to … on line …"). */
  private mailboxOfLine = new Int32Array(1024);
  private readonly mailboxes: string[] = [];
  private readonly mailboxIndex = new Map<string, number>();
  /** Plus base → line of the first alias in the file that is a plus variant of it. */
  private readonly plusVariantLine = new Map<string, number>();
  private headerSeen = false;

  constructor(private readonly reserved: ReservedAddresses = {}) {}

  /** A row to import, a problem with the line, or undefined for a line to skip (blank, comment, header, repeat). */
  read(raw: string, line: number): PoolCsvRow | PoolCsvLineProblem | undefined {
    const trimmed = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (!trimmed || trimmed.startsWith('#')) return undefined;
    const firstContent = !this.headerSeen;
    this.headerSeen = true;
    const cells = trimmed.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (firstContent && /^mailbox$/i.test(cells[0]) && /^address$/i.test(cells[1] ?? '')) return undefined;
    if (cells.length !== 2 || !cells[0] || !cells[1])
      return {
        line,
        problem: `expected two columns \`mailbox,address\` but found ${cells.length === 1 ? 'one' : cells.length}`,
      };
    const mailbox = normalizeAddress(cells[0]);
    const address = normalizeAddress(cells[1]);
    const problems = [rootEmailProblem(mailbox), rootEmailProblem(address)].filter(Boolean) as string[];
    if (problems.length === 0) problems.push(...this.conflicts(mailbox, address));
    if (problems.length) return { line, problem: problems.join('; ') };

    const seen = this.aliasLine.get(address);
    if (seen !== undefined) return undefined; // the same line twice is harmless (a different mailbox is a conflict)
    this.remember(mailbox, address, line);
    return { line, mailbox, address };
  }

  private conflicts(mailbox: string, address: string): string[] {
    const found: string[] = [];
    const { centralMailbox, plusAddress } = this.reserved;
    const base = plusBaseOf(address);
    if (mailbox === address) found.push('the alias is the mailbox itself; list only extra aliases');
    const seen = this.aliasLine.get(address);
    if (seen !== undefined && this.mailboxAt(seen) !== mailbox)
      found.push(`\`${address}\` is already given to ${this.mailboxAt(seen)} on line ${seen}`);
    else if (this.mailboxIndex.has(address))
      found.push(`\`${address}\` is a mailbox in this file, not an alias`);
    if (this.aliasLine.has(mailbox))
      found.push(`${mailbox} is an alias on line ${this.aliasLine.get(mailbox)}, not a mailbox`);
    for (const [reservedAddress, what] of [
      [centralMailbox, 'the central mailbox (MAILBOX)'],
      [plusAddress, 'the plus strategy address (PLUS_ADDRESS)'],
    ] as const) {
      if (!reservedAddress) continue;
      if (address === reservedAddress) found.push(`\`${address}\` is ${what}, never a pool alias`);
      else if (base === reservedAddress)
        found.push(`\`${address}\` is a plus variant of ${what}: Exchange delivers it there`);
    }
    if (base !== undefined) {
      const baseLine = this.aliasLine.get(base);
      if (baseLine !== undefined)
        found.push(
          `\`${address}\` is a plus variant of \`${base}\` on line ${baseLine}: Exchange delivers it there`,
        );
      if (this.mailboxIndex.has(base))
        found.push(`\`${address}\` is a plus variant of the mailbox ${base}: Exchange delivers it there`);
    } else {
      const variantLine = this.plusVariantLine.get(address);
      if (variantLine !== undefined)
        found.push(
          `\`${address}\` would receive the mail of its plus variant on line ${variantLine} (Exchange plus addressing)`,
        );
    }
    return found;
  }

  private remember(mailbox: string, address: string, line: number): void {
    let index = this.mailboxIndex.get(mailbox);
    if (index === undefined) {
      index = this.mailboxes.push(mailbox) - 1;
      this.mailboxIndex.set(mailbox, index);
    }
    if (line >= this.mailboxOfLine.length) {
      const grown = new Int32Array(Math.max(line + 1, this.mailboxOfLine.length * 2));
      grown.set(this.mailboxOfLine);
      this.mailboxOfLine = grown;
    }
    this.mailboxOfLine[line] = index;
    this.aliasLine.set(address, line);
    const base = plusBaseOf(address);
    if (base !== undefined && !this.plusVariantLine.has(base)) this.plusVariantLine.set(base, line);
  }

  private mailboxAt(line: number): string {
    return this.mailboxes[this.mailboxOfLine[line]];
  }
}

/**
 * The mailbox and alias of a line the reader accepted before, read again without the reader's memory (the
 * second, writing pass over a file); undefined when the line no longer reads as a valid row.
 */
export function rowCells(raw: string, line: number): PoolCsvRow | undefined {
  const cells = raw
    .replace(/^\uFEFF/, '')
    .trim()
    .split(',')
    .map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  if (cells.length !== 2) return undefined;
  const mailbox = normalizeAddress(cells[0]);
  const address = normalizeAddress(cells[1]);
  if (rootEmailProblem(mailbox) || rootEmailProblem(address) || mailbox === address) return undefined;
  return { line, mailbox, address };
}

/** A whole pool file in memory (chat and API uploads): every row and every problem. */
export function parsePoolCsv(
  text: string,
  reserved: ReservedAddresses = {},
): { rows: PoolCsvRow[]; problems: PoolCsvLineProblem[] } {
  const reader = new PoolCsvReader(reserved);
  const rows: PoolCsvRow[] = [];
  const problems: PoolCsvLineProblem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const result = reader.read(raw, index + 1);
    if (!result) return;
    if ('problem' in result) problems.push(result);
    else rows.push(result);
  });
  return { rows, problems };
}

/** A short text listing bad lines, at most `max` of them, for chat and problem details. */
export function describeLineProblems(
  problems: PoolCsvLineProblem[],
  max = 10,
  total = problems.length,
): string {
  const shown = problems.slice(0, max).map((p) => `line ${p.line}: ${p.problem}`);
  if (total > shown.length) shown.push(`…and ${total - shown.length} more`);
  return `Nothing was imported: fix ${total === 1 ? 'this line' : `these ${total} lines`} and send the file again.\n${shown.join('\n')}`;
}
