import { InvalidAddressInputError } from './addressErrors';

/**
 * How the address registry is searched, as pure rules: which fields a typed text is looked for in, and how
 * the answers of several prefix probes (one per field, each ordered by its own field) become one page.
 */

/** Fields a search probes, each with a prefix condition and ordered by itself (an index serves both). */
export type SearchField = 'awsAccountId' | 'address' | 'owner.upn' | 'accountName' | 'ownerNameKey';

/** Deeper than this, refine the search instead: each probe reads offset + limit rows. */
export const MAX_SEARCH_OFFSET = 1000;
export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

/**
 * Only the fields the text can be the start of: digits are an AWS account id; with an @ an address or a UPN;
 * with a space an owner's display name (nothing else has spaces); account names have neither dots nor
 * underscores, display names no digits. Every probe is a query, so fewer is faster on any store.
 */
export function searchFieldsFor(text: string): SearchField[] {
  if (/^\d{1,12}$/.test(text)) return ['awsAccountId'];
  if (text.includes('@')) return ['address', 'owner.upn'];
  if (/\s/.test(text)) return ['ownerNameKey'];
  const fields: SearchField[] = ['accountName', 'ownerNameKey', 'owner.upn', 'address'];
  return fields.filter(
    (field) =>
      !(field === 'accountName' && /[._]/.test(text)) && !(field === 'ownerNameKey' && /\d/.test(text)),
  );
}

/** What one probe answered: the rows matching it, in its own order, at most the number asked for. */
export interface ProbeAnswer<T> {
  rows: T[];
}

interface Entry<T> {
  key: string;
  probe: number;
  rank: number;
  row: T;
}

/**
 * One page of the union of several probes, ordered by the matched value, then by probe and by each
 * probe's own order (so ties keep the order the store gave them, and offsets stay stable between pages).
 * A row several probes found counts once, at its first place. Each probe must have been asked for
 * `offset + limit + 1` rows: then the page is exact, because a probe that gave that many rows fills the
 * page by itself, and everything it did not give sorts after all it gave.
 */
export function mergeProbes<T>(
  answers: ProbeAnswer<T>[],
  keyOf: (row: T, probe: number) => string,
  idOf: (row: T) => string,
  offset: number,
  limit: number,
): { rows: T[]; more: boolean } {
  const entries: Entry<T>[] = answers.flatMap((answer, probe) =>
    answer.rows.map((row, rank) => ({ key: keyOf(row, probe), probe, rank, row })),
  );
  entries.sort((a, b) => (a.key !== b.key ? (a.key < b.key ? -1 : 1) : a.probe - b.probe || a.rank - b.rank));
  const seen = new Set<string>();
  const unique: T[] = [];
  for (const { row } of entries) {
    const id = idOf(row);
    if (seen.has(id)) continue;
    seen.add(id);
    unique.push(row);
    if (unique.length > offset + limit) break;
  }
  return { rows: unique.slice(offset, offset + limit), more: unique.length > offset + limit };
}

/** Offset and page size as asked (absent: the first page of DEFAULT_PAGE_SIZE), or an error saying the range. */
export function checkedPage(
  offset?: string | number,
  limit?: string | number,
): { offset: number; limit: number } {
  const read = (
    value: string | number | undefined,
    fallback: number,
    min: number,
    max: number,
    name: string,
  ) => {
    if (value === undefined || value === '') return fallback;
    const n = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidAddressInputError(`\`${name}\` must be a whole number from ${min} to ${max}.`);
    return n;
  };
  return {
    offset: read(offset, 0, 0, MAX_SEARCH_OFFSET, 'offset'),
    limit: read(limit, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, 'limit'),
  };
}
