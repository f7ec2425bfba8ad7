import { AccountHasAddressError } from '../../src/domain/addressErrors';
import type { AddressRecord } from '../../src/domain/addressRecords';
import { person } from '../../src/domain/permissions';
import { cardAction, personalConversationId, personalMessage } from '../support/activities';
import { addressUseCases, poolCsv } from '../support/addressFixtures';
import type { FakeGraph } from '../support/fakeGraph';
import { startDirectory } from '../support/requestFlow';
import { startTestApp, TestApp, textOf } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { users } from '../support/users';

/** Issue 20.1: an account name has at most one assigned address, however and however concurrently it is asked. */
describe.each(['embedded', 'cosmos'] as const)('one root address per account (%s store)', (store) => {
  let t: TestApp;
  let graph: FakeGraph;
  let issuer: TokenIssuer;
  const system = person('setup', 'test setup', true);
  const alice = { id: users.alice.aadObjectId, upn: users.alice.upn, name: users.alice.name };

  beforeAll(async () => {
    issuer = await new TokenIssuer().start();
    graph = await startDirectory(); // Alice reports to Bob
    t = await startTestApp({ store, env: { ...issuer.env(), GRAPH_BASE_URL: graph.baseUrl } });
    await t.app.services.pool.importCsv(poolCsv(1, 40), system);
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
    await issuer.stop();
  });

  /** A free alias assigned to `accountName` as a version before account keys did it: no key. */
  const assignedByAnOlderVersion = async (accountName: string, assignedAt: string) => {
    const free = (await t.app.services.addresses.byState('available', 1))[0];
    const stored = await t.app.store.get<AddressRecord>('addresses', free.address);
    const record = { ...free, state: 'assigned' as const, accountName, owner: alice, assignedAt };
    await t.app.store.replace('addresses', free.address, record, stored!._etag);
    return free;
  };

  const assignedFor = async (accountName: string) =>
    (await t.app.services.addresses.byState('assigned', 500)).filter((r) => r.accountName === accountName);

  it('refuses a chat request for an account that has an address, naming it and its owner, before any approval', async () => {
    const record = await t.app.services.addresses.allocate({
      accountName: 'web-shop',
      owner: alice,
      by: system,
    });
    t.connector.clear();
    await t.send(personalMessage(t.connector.url, users.alice, 'request web-shop prod New shop'));
    const replies = t.connector.of('reply', personalConversationId(users.alice));
    expect(replies).toHaveLength(1);
    const text = textOf(replies[0].body);
    expect(text).toContain('web-shop already has a root address');
    expect(text).toContain(record.address);
    expect(text).toContain('Alice Requester');
    expect(text).toMatch(/transfer .*retire/);
    // Nobody was asked to approve anything.
    expect(t.connector.sentMessages()).toHaveLength(1);
    expect(await t.app.services.requests.listPending(50)).toHaveLength(0);
  });

  it('the guided chat says so at the name, before asking anything else', async () => {
    const [record] = await assignedFor('web-shop');
    const say = async (text: string) => {
      const before = t.connector.calls.length;
      await t.send(personalMessage(t.connector.url, users.alice, text));
      return t.connector.calls
        .slice(before)
        .map((c) => textOf(c.body))
        .join('\n');
    };
    await say('request');
    const answer = await say('web-shop');
    expect(answer).toContain(`web-shop already has a root address: ${record.address}`);
    expect(answer).not.toMatch(/Which environment/);
    await say('cancel');
  });

  it('answers the API with 409 problem+json naming the address and its owner (request and direct allocation)', async () => {
    const record = (await assignedFor('web-shop'))[0];
    const asAlice = {
      authorization: `Bearer ${await issuer.userToken(users.alice)}`,
    };
    const viaRequest = await t.request(
      'POST',
      '/api/v1/addresses',
      { accountName: 'web-shop', environment: 'prod' },
      asAlice,
    );
    expect(viaRequest.status).toBe(409);
    expect(viaRequest.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(viaRequest.body).toMatchObject({
      address: record.address,
      owner: expect.stringContaining('Alice'),
    });
    expect(viaRequest.body.detail).toContain(record.address);
    expect(viaRequest.body.retire).toMatch(/^DELETE /);

    const factory = await issuer.bearer({ roles: ['Addresses.Allocate', 'Addresses.Read'], name: 'factory' });
    const direct = await t.request(
      'POST',
      '/api/v1/addresses',
      { accountName: 'WEB-SHOP', owner: users.alice.upn },
      factory,
    );
    expect(direct.status).toBe(409);
    expect(direct.body).toMatchObject({ address: record.address, accountName: 'web-shop' });
  });

  it('two allocations racing for one account end with one address; the losers give their alias back', async () => {
    const before = (await t.app.services.pool.status()).mailboxes[0];
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () =>
        t.app.services.addresses.allocate({ accountName: 'race-account', owner: alice, by: system }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    for (const l of lost) expect(l.reason).toBeInstanceOf(AccountHasAddressError);
    expect(await assignedFor('race-account')).toHaveLength(1);
    const after = (await t.app.services.pool.status()).mailboxes[0];
    expect(after.assigned).toBe(before.assigned + 1);
    expect(after.free).toBe(before.free - 1);
  });

  it('allocations racing over HTTP: one 201, every other 409 naming the address that won', async () => {
    const factory = await issuer.bearer({ roles: ['Addresses.Allocate', 'Addresses.Read'], name: 'factory' });
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        t.request('POST', '/api/v1/addresses', { accountName: 'http-race', owner: users.alice.upn }, factory),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409]);
    const winner = answers.find((a) => a.status === 201)!.body.address;
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.address).toBe(winner);
    expect(await assignedFor('http-race')).toHaveLength(1);
  });

  it('an approved request racing a direct allocation for the same account: one address, the loser told which', async () => {
    await t.send(personalMessage(t.connector.url, users.alice, 'help')); // Alice's chat is known
    await t.send(personalMessage(t.connector.url, users.alice, 'request raced-request prod Shop'));
    const [pending] = (await t.app.services.requests.listPending(50)).filter(
      (r) => r.accountName === 'raced-request',
    );
    expect(pending).toBeDefined();
    const factory = await issuer.bearer({ roles: ['Addresses.Allocate', 'Addresses.Read'], name: 'factory' });
    const [, direct] = await Promise.all([
      t.send(
        cardAction(t.connector.url, users.bob, 'request.approve', {
          verb: 'request.approve',
          requestId: pending.requestId,
        }),
      ),
      t.request(
        'POST',
        '/api/v1/addresses',
        { accountName: 'raced-request', owner: users.alice.upn },
        factory,
      ),
    ]);
    await t.app.idle();
    const [kept] = await assignedFor('raced-request');
    expect(await assignedFor('raced-request')).toHaveLength(1);
    const request = await t.app.services.requests.get(pending.requestId);
    if (direct.status === 201) {
      expect(direct.body.address).toBe(kept.address);
      expect(request).toMatchObject({ state: 'failed' });
      expect(request!.failure).toContain(kept.address);
    } else {
      expect(direct.status).toBe(409);
      expect(direct.body.address).toBe(kept.address);
      expect(request).toMatchObject({ state: 'fulfilled', address: kept.address });
    }
  });

  it('after an upgrade with duplicates already in the registry: both are kept and shown, no third is given, retiring both frees the name', async () => {
    const first = await t.app.services.addresses.allocate({
      accountName: 'legacy-dup',
      owner: alice,
      by: system,
    });
    // A second record as an older version could leave it: assigned to the same account, no account key.
    const free = await assignedByAnOlderVersion('legacy-dup', '2099-01-01T00:00:00.000Z');
    await expect(
      t.app.services.addresses.allocate({ accountName: 'legacy-dup', owner: alice, by: system }),
    ).rejects.toThrow(first.address); // the older one is named
    t.connector.clear();
    await t.send(personalMessage(t.connector.url, users.alice, 'whois legacy-dup'));
    const shown = textOf(t.connector.of('reply', personalConversationId(users.alice))[0].body);
    expect(shown).toContain(first.address);
    expect(shown).toContain(free.address);

    await t.app.services.addresses.retire(first.address, 'duplicate', system);
    await expect(
      t.app.services.addresses.allocate({ accountName: 'legacy-dup', owner: alice, by: system }),
    ).rejects.toThrow(free.address);
    await t.app.services.addresses.retire(free.address, 'duplicate', system);
    const fresh = await t.app.services.addresses.allocate({
      accountName: 'legacy-dup',
      owner: alice,
      by: system,
    });
    expect(await assignedFor('legacy-dup')).toEqual([expect.objectContaining({ address: fresh.address })]);
  });

  it('an address an older version gave (no account key) before the upgrade keeps its account: refused before and after the start-up keys it', async () => {
    const store = t.app.store;
    // As before the upgrade: a record assigned without its key, and the start-up's marker not written yet;
    // then an instance of this version starts on that store.
    await store.delete('addressKeys', 'account-keys:complete');
    const { addresses } = addressUseCases(store);
    const free = await assignedByAnOlderVersion('old-shop', '2020-01-01T00:00:00.000Z');
    const ask = () => addresses.allocate({ accountName: 'old-shop', owner: alice, by: system });
    await expect(ask()).rejects.toThrow(AccountHasAddressError);

    await addresses.keyAccounts(); // what every instance does at start
    expect(await store.get('addressKeys', 'account:old-shop')).toMatchObject({ address: free.address });
    expect(await store.get('addressKeys', 'account-keys:complete')).toBeDefined();
    await expect(ask()).rejects.toThrow(free.address); // now by its key
    const other = await addresses.allocate({ accountName: 'new-shop', owner: alice, by: system });
    expect(other.accountName).toBe('new-shop');
    expect(await assignedFor('old-shop')).toEqual([expect.objectContaining({ address: free.address })]);
  });
});
