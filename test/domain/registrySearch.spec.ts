import fc from 'fast-check';
import { checkedPage, mergeProbes, ProbeAnswer, searchFieldsFor } from '../../src/domain/registrySearch';

interface Row {
  id: string;
  fields: string[]; // the value each probe orders by
}

/**
 * What a probe answers: the rows matching it, ordered by its value and then by the store's own order
 * (here: by id), cut at `fetch` rows.
 */
function probe(rows: Row[], p: number, fetch: number): ProbeAnswer<Row> {
  const matching = rows
    .filter((r) => r.fields[p] !== '')
    .sort((a, b) =>
      a.fields[p] === b.fields[p] ? (a.id < b.id ? -1 : 1) : a.fields[p] < b.fields[p] ? -1 : 1,
    );
  return { rows: matching.slice(0, fetch) };
}

/** A page the way AddressRegistry.find asks for it: offset + limit + 1 rows from each probe. */
function page(rows: Row[], probes: number, offset: number, limit: number) {
  const answers = Array.from({ length: probes }, (_, p) => probe(rows, p, offset + limit + 1));
  return mergeProbes(
    answers,
    (r, p) => r.fields[p],
    (r) => r.id,
    offset,
    limit,
  );
}

describe('registry search rules', () => {
  it('probes only the fields a text can be', () => {
    expect(searchFieldsFor('1234')).toEqual(['awsAccountId']);
    expect(searchFieldsFor('alice@')).toEqual(['address', 'owner.upn']);
    expect(searchFieldsFor('payments')).toEqual(['accountName', 'ownerNameKey', 'owner.upn', 'address']);
    expect(searchFieldsFor('ana lima')).toEqual(['ownerNameKey']);
    expect(searchFieldsFor('payments-prod-1')).toEqual(['accountName', 'owner.upn', 'address']);
    expect(searchFieldsFor('ana.lima')).toEqual(['ownerNameKey', 'owner.upn', 'address']);
  });

  it('pages through the union of the probes: every row once, in one stable order, whatever the page size', () => {
    const value = fc.constantFrom('', 'a', 'ab', 'b', 'ba', 'c'); // few values, so ties are common
    const rows = fc.uniqueArray(
      fc.record({
        id: fc.string({ minLength: 1, maxLength: 4 }),
        fields: fc.array(value, { minLength: 3, maxLength: 3 }),
      }),
      { selector: (r) => r.id, maxLength: 40 },
    );
    fc.assert(
      fc.property(rows, fc.integer({ min: 1, max: 7 }), (all, limit) => {
        const seen: string[] = [];
        for (let offset = 0; ; offset += limit) {
          const result = page(all, 3, offset, limit);
          seen.push(...result.rows.map((r) => r.id));
          if (!result.more) break;
          expect(result.rows).toHaveLength(limit);
        }
        const expected = all.filter((r) => r.fields.some((f) => f !== '')).map((r) => r.id);
        expect([...seen].sort()).toEqual([...expected].sort());
        expect(new Set(seen).size).toBe(seen.length);
        // The same order as one big page.
        expect(page(all, 3, 0, 100).rows.map((r) => r.id)).toEqual(seen);
      }),
    );
  });

  it('orders by what matched: "pay" finds payments-prod before payroll, whichever field matched', () => {
    const rows: Row[] = [
      { id: 'x', fields: ['payroll', '', ''] },
      { id: 'y', fields: ['', 'paula', ''] },
      { id: 'z', fields: ['payments-prod', '', ''] },
    ];
    expect(page(rows, 3, 0, 10).rows.map((r) => r.id)).toEqual(['y', 'z', 'x']);
  });

  it('checks offset and page size and says the range', () => {
    expect(checkedPage()).toEqual({ offset: 0, limit: 25 });
    expect(checkedPage('50', '10')).toEqual({ offset: 50, limit: 10 });
    expect(() => checkedPage('-1')).toThrow(/`offset` must be a whole number from 0 to 1000/);
    expect(() => checkedPage('0', '500')).toThrow(/`limit` must be a whole number from 1 to 100/);
    expect(() => checkedPage('1e3')).toThrow(/offset/);
  });
});
