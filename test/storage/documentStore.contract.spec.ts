import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AlreadyExistsError,
  ConflictError,
  DocumentStore,
  NotFoundError,
} from '../../src/ports/documentStore';
import { CosmosDocumentStore } from '../../src/storage/cosmosDocumentStore';
import { SqliteDocumentStore } from '../../src/storage/sqliteDocumentStore';
import { BotStateStorage } from '../../src/storage/botStateStorage';
import { startCosmosServer, CosmosTestServer } from '../support/cosmosServer';

interface Item {
  name: string;
  state?: string;
  n?: number;
  flag?: boolean;
  owner?: { id: string } | null;
  value?: string;
}

/** One contract, two adapters: the embedded SQLite store and Cosmos DB over a real Cosmos-protocol server. */
const adapters: [string, () => Promise<{ store: DocumentStore; dispose: () => Promise<void> }>][] = [
  [
    'embedded (SQLite)',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'rootmail-store-'));
      const store = SqliteDocumentStore.inDirectory(dir);
      return {
        store,
        dispose: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    'Cosmos DB (cosmosdb-server)',
    async () => {
      const server: CosmosTestServer = await startCosmosServer();
      const store = new CosmosDocumentStore({
        endpoint: server.endpoint,
        key: server.key,
        database: 'contract',
      });
      return {
        store,
        dispose: async () => {
          await store.close();
          await server.stop();
        },
      };
    },
  ],
];

describe.each(adapters)('document store contract: %s', (_name, make) => {
  let store: DocumentStore;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ store, dispose } = await make());
    await store.init();
    await store.init(); // creating containers twice is harmless
  });
  afterAll(async () => dispose());

  it('creates a document and reads it back with an etag', async () => {
    const created = await store.create<Item>('addresses', 'a1', { name: 'one', n: 1 });
    expect(created).toMatchObject({ id: 'a1', name: 'one', n: 1 });
    expect(typeof created._etag).toBe('string');
    const read = await store.get<Item>('addresses', 'a1');
    expect(read).toMatchObject({ id: 'a1', name: 'one', n: 1, _etag: created._etag });
  });

  it('returns undefined for a missing id', async () => {
    expect(await store.get('addresses', 'missing')).toBeUndefined();
  });

  it('refuses a second create with the same id (create-if-absent)', async () => {
    await store.create<Item>('addresses', 'dup', { name: 'first' });
    await expect(store.create<Item>('addresses', 'dup', { name: 'second' })).rejects.toBeInstanceOf(
      AlreadyExistsError,
    );
    expect((await store.get<Item>('addresses', 'dup'))?.name).toBe('first');
  });

  it('lets exactly one of many concurrent creates of one id win', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => store.create<Item>('addressKeys', 'race', { name: `w${i}` })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const losers = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(losers).toHaveLength(19);
    losers.forEach((l) => expect(l.reason).toBeInstanceOf(AlreadyExistsError));
  });

  it('creates many documents at once, if absent, and says which were new', async () => {
    await store.create<Item>('mailboxes', 'm-2', { name: 'there before' });
    const docs = Array.from({ length: 250 }, (_, i) => ({ id: `m-${i}`, doc: { name: `n${i}`, n: i } }));
    const created = await store.createMany<Item>('mailboxes', docs);
    expect(created).toHaveLength(250);
    expect(created.filter((c) => !c)).toHaveLength(1);
    expect(created[2]).toBe(false);
    expect((await store.get<Item>('mailboxes', 'm-2'))?.name).toBe('there before');
    expect(await store.get<Item>('mailboxes', 'm-249')).toMatchObject({ name: 'n249', n: 249 });
    expect(await store.count('mailboxes', {})).toBe(250);
    expect(await store.createMany<Item>('mailboxes', docs)).toEqual(Array(250).fill(false));
    expect(await store.createMany<Item>('mailboxes', [])).toEqual([]);
  });

  it('replaces with the current etag and refuses a stale one', async () => {
    const v1 = await store.create<Item>('requests', 'r1', { name: 'v1' });
    const v2 = await store.replace<Item>('requests', 'r1', { name: 'v2' }, v1._etag);
    expect(v2._etag).not.toBe(v1._etag);
    await expect(store.replace<Item>('requests', 'r1', { name: 'stale' }, v1._etag)).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect((await store.get<Item>('requests', 'r1'))?.name).toBe('v2');
  });

  it('lets exactly one of many concurrent replaces on the same etag win', async () => {
    const base = await store.create<Item>('requests', 'r-race', { name: 'base' });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        store.replace<Item>('requests', 'r-race', { name: `w${i}` }, base._etag),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    (results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]).forEach((r) =>
      expect(r.reason).toBeInstanceOf(ConflictError),
    );
  });

  it('says NotFound when replacing a document that is gone', async () => {
    await expect(store.replace<Item>('requests', 'never', { name: 'x' }, '"nope"')).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('does not store the etag field inside the document body', async () => {
    const v1 = await store.create<Item>('requests', 'r-etag', { name: 'a' });
    const v2 = await store.replace('requests', 'r-etag', { ...v1, name: 'b' }, v1._etag);
    expect(v2._etag).not.toBe(v1._etag);
    expect((await store.get<Item>('requests', 'r-etag'))?._etag).toBe(v2._etag);
  });

  it('upserts unconditionally', async () => {
    await store.upsert<Item>('settings', 's1', { name: 'a' });
    await store.upsert<Item>('settings', 's1', { name: 'b' });
    expect((await store.get<Item>('settings', 's1'))?.name).toBe('b');
  });

  it('deletes, with an etag only when it matches, and ignores missing ids', async () => {
    const d = await store.create<Item>('mails', 'd1', { name: 'x' });
    await store.replace<Item>('mails', 'd1', { name: 'y' }, d._etag);
    await expect(store.delete('mails', 'd1', d._etag)).rejects.toBeInstanceOf(ConflictError);
    const current = await store.get<Item>('mails', 'd1');
    await store.delete('mails', 'd1', current!._etag);
    expect(await store.get('mails', 'd1')).toBeUndefined();
    await expect(store.delete('mails', 'd1')).resolves.toBeUndefined();
  });

  it('queries by fields with values as parameters, orders and limits', async () => {
    for (let i = 0; i < 6; i++) {
      await store.create<Item>('audit', `q${i}`, {
        name: `n${5 - i}`,
        state: i % 2 ? 'assigned' : 'available',
        n: i,
        flag: i < 3,
        owner: i === 0 ? null : { id: `u${i % 2}` },
      });
    }
    const available = await store.query<Item>('audit', { state: 'available' }, { orderBy: 'n' });
    expect(available.map((d) => d.id)).toEqual(['q0', 'q2', 'q4']);
    const desc = await store.query<Item>(
      'audit',
      { state: 'available' },
      { orderBy: 'n', descending: true, limit: 2 },
    );
    expect(desc.map((d) => d.id)).toEqual(['q4', 'q2']);
    expect((await store.query<Item>('audit', { 'owner.id': 'u1' })).map((d) => d.id).sort()).toEqual([
      'q1',
      'q3',
      'q5',
    ]);
    expect((await store.query<Item>('audit', { flag: true, state: 'assigned' })).map((d) => d.id)).toEqual([
      'q1',
    ]);
    expect(await store.count('audit', { state: 'assigned' })).toBe(3);
    expect(await store.count('audit', {})).toBe(6);
    // A value that looks like SQL is only a value.
    expect(await store.query<Item>('audit', { state: "available' OR 1=1 --" })).toEqual([]);
  });

  it('filters by a prefix of a string field, case-sensitive as stored, with other conditions and a limit', async () => {
    const names = ['payments-prod', 'payments-dev', 'pay', 'Payments-x', 'ledger', 'pazz'];
    for (const [i, name] of names.entries())
      await store.create<Item>('addresses', `p${i}`, {
        name,
        state: i === 1 ? 'retired' : 'assigned',
        owner: { id: name },
      });
    const byPrefix = await store.query<Item>(
      'addresses',
      { name: { startsWith: 'pay' } },
      { orderBy: 'name' },
    );
    expect(byPrefix.map((d) => d.name)).toEqual(['pay', 'payments-dev', 'payments-prod']);
    expect(
      (await store.query<Item>('addresses', { name: { startsWith: 'pay' }, state: 'assigned' }))
        .map((d) => d.name)
        .sort(),
    ).toEqual(['pay', 'payments-prod']);
    expect(await store.count('addresses', { 'owner.id': { startsWith: 'payments-' } })).toBe(2);
    expect(await store.query<Item>('addresses', { name: { startsWith: "pay' OR 1=1 --" } })).toEqual([]);
    const limited = await store.query<Item>(
      'addresses',
      { name: { startsWith: 'p' } },
      { orderBy: 'name', limit: 2 },
    );
    expect(limited.map((d) => d.name)).toEqual(['pay', 'payments-dev']);
  });

  it('matches missing or null fields with a null filter', async () => {
    await store.create<Item>('subscriptions', 'n1', { name: 'no owner' });
    await store.create<Item>('subscriptions', 'n2', { name: 'null owner', owner: null });
    await store.create<Item>('subscriptions', 'n3', { name: 'owner', owner: { id: 'x' } });
    const ids = (await store.query<Item>('subscriptions', { owner: null })).map((d) => d.id).sort();
    expect(ids).toEqual(['n1', 'n2']);
  });

  it('handles field names that are SQL keywords', async () => {
    await store.create<Item>('leases', 'k1', { name: 'x', value: 'v' });
    expect((await store.query<Item>('leases', { value: 'v' })).map((d) => d.id)).toEqual(['k1']);
  });

  it('rejects field paths that are not plain names', async () => {
    await expect(store.query('leases', { 'name) OR (1=1': 'x' })).rejects.toThrow(/field path/);
  });

  it('answers a ping', async () => {
    expect(await store.ping()).toBe(true);
  });

  it('takes any string as an id, as given: / \\ ? # (Cosmos DB refuses those), blanks, control characters, 2,000 characters', async () => {
    // Issue 18: ids come from outside (a Teams conversation id, an aadObjectId); none may make the store throw.
    const ids = [
      'user:a/b#c',
      '19:x\\y?z#w;messageid=1',
      ' padded ',
      'line\nbreak\u0000',
      'é'.repeat(2_000),
      '~id~looks-like-a-digest',
      '',
    ];
    for (const [i, id] of ids.entries()) {
      expect(await store.get('conversations', id)).toBeUndefined();
      const created = await store.create<Item>('conversations', id, { name: `doc ${i}` });
      expect(created.id).toBe(id);
      await expect(store.create<Item>('conversations', id, { name: 'again' })).rejects.toBeInstanceOf(
        AlreadyExistsError,
      );
      const replaced = await store.replace<Item>('conversations', id, { name: `v2 ${i}` }, created._etag);
      expect(await store.get<Item>('conversations', id)).toMatchObject({
        id,
        name: `v2 ${i}`,
        _etag: replaced._etag,
      });
      await store.upsert<Item>('conversations', id, { name: `v3 ${i}`, state: 'odd-id' });
    }
    const listed = await store.query<Item>('conversations', { state: 'odd-id' });
    expect(listed.map((d) => d.id).sort()).toEqual([...ids].sort());
    expect(await store.createMany<Item>('conversations', [{ id: 'bulk/1#', doc: { name: 'b' } }])).toEqual([
      true,
    ]);
    expect((await store.get<Item>('conversations', 'bulk/1#'))?.id).toBe('bulk/1#');
    // A plain id beside a digested one stays its own document.
    await store.create<Item>('conversations', 'user:a', { name: 'plain' });
    expect((await store.get<Item>('conversations', 'user:a'))?.name).toBe('plain');
    for (const id of [...ids, 'bulk/1#']) await store.delete('conversations', id);
    for (const id of ids) expect(await store.get('conversations', id)).toBeUndefined();
  });

  it("stores botbuilder state with botbuilder's eTag rules", async () => {
    const storage = new BotStateStorage(store);
    const key = 'msteams/conversations/19:abc@thread.tacv2;messageid=1/';
    await storage.write({ [key]: { turns: 1 } });
    const first = await storage.read([key]);
    expect(first[key]).toMatchObject({ turns: 1 });
    await storage.write({ [key]: { ...first[key], turns: 2 } });
    await expect(storage.write({ [key]: { ...first[key], turns: 3 } })).rejects.toThrow(
      /changed by another turn/,
    );
    await storage.write({ [key]: { turns: 9, eTag: '*' } });
    expect((await storage.read([key]))[key]).toMatchObject({ turns: 9 });
    await storage.delete([key]);
    expect(await storage.read([key])).toEqual({});
  });
});
