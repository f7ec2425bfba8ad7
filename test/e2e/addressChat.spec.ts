import { person } from '../../src/domain/permissions';
import { cardAction, channelMessage, personalConversationId, personalMessage } from '../support/activities';
import { poolCsv } from '../support/addressFixtures';
import { FakeGraph } from '../support/fakeGraph';
import { cardOf, startTestApp, TestApp, textOf } from '../support/testApp';
import { TestUser, users } from '../support/users';

describe.each(['embedded', 'cosmos'] as const)('address chat commands over real HTTP (%s store)', (store) => {
  let t: TestApp;
  let graph: FakeGraph;
  const system = person('setup', 'test setup', true);

  /** Sends a personal-chat command and returns the text of the bot's one reply (card texts included). */
  async function say(user: TestUser, text: string): Promise<string> {
    t.connector.clear();
    const res = await t.send(personalMessage(t.connector.url, user, text));
    expect(res.status).toBe(200);
    const replies = t.connector.of('reply', personalConversationId(user));
    expect(replies).toHaveLength(1);
    return textOf(replies[0].body);
  }

  /** Types a command that asks to confirm, and clicks the card's button with `verb`; answers the result. */
  async function confirm(user: TestUser, text: string, verb: string): Promise<string> {
    t.connector.clear();
    await t.send(personalMessage(t.connector.url, user, text));
    const [reply] = t.connector.of('reply', personalConversationId(user));
    const action = cardOf(reply.body)?.actions?.find((a: { verb?: string }) => a.verb === verb);
    if (!action) return textOf(reply.body);
    const res = await t.send(cardAction(t.connector.url, user, verb, action.data));
    return textOf({ attachments: [{ content: res.body?.value }] }) || String(res.body?.value ?? '');
  }

  const allocateFor = (user: TestUser, accountName: string) =>
    t.app.services.addresses.allocate({
      accountName,
      owner: { id: user.aadObjectId, upn: user.upn, name: user.name },
      by: system,
    });

  beforeAll(async () => {
    graph = new FakeGraph();
    for (const u of Object.values(users))
      graph.addUser({ id: u.aadObjectId, displayName: u.name, userPrincipalName: u.upn });
    await graph.start();
    t = await startTestApp({
      store,
      env: { GRAPH_BASE_URL: graph.baseUrl, ADMIN_IDS: users.carol.aadObjectId, QUARANTINE_DAYS: '90' },
    });
    await t.app.services.pool.importCsv(poolCsv(2, 10), system);
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  it('whois finds a record by address, by AWS account id and by owner, and says so when nothing matches', async () => {
    const record = await allocateFor(users.alice, 'whois-demo');
    await t.app.services.addresses.linkAwsAccount(record.address, '210987654321', system);

    const byAddress = await say(users.eve, `whois ${record.address.toUpperCase()}`);
    expect(byAddress).toContain(record.address);
    expect(byAddress).toContain('Alice Requester ‹alice@contoso.com›');
    expect(byAddress).toContain('210987654321');
    expect(await say(users.eve, 'whois 210987654321')).toContain(record.address);
    expect(await say(users.eve, 'whois 999999999999')).toBe(
      'No address is linked to AWS account 999999999999.',
    );
    expect(await say(users.eve, 'whois 21098')).toContain(record.address); // the start of an account id
    expect(await say(users.eve, 'whois 12345')).toMatch(
      /found no address, account or person matching `12345`/,
    );
    expect(await say(users.eve, 'whois nobody@contoso.com')).toMatch(/found no address, account or person/);
  });

  it('whois by name: account names (exact and prefix), UPNs and display names, through the directory too', async () => {
    const [first, second] = [
      await allocateFor(users.alice, 'search-payments'),
      await allocateFor(users.alice, 'search-ledger'),
    ];
    // A record kept without the owner's UPN or name (as old chat requests were) is still found by person.
    const bare = await t.app.services.addresses.allocate({
      accountName: 'bare-owner',
      owner: { id: users.dave.aadObjectId },
      by: system,
    });

    const exact = await say(users.eve, 'whois search-payments');
    expect(exact).toMatch(/Address record[\s\S]*search-payments/);
    expect(exact).toContain(first.address);
    const prefix = await say(users.eve, 'whois SEARCH-');
    expect(prefix).toMatch(/Found for “SEARCH-”/);
    expect(prefix).toContain(first.address);
    expect(prefix).toContain(second.address);

    for (const text of ['whois alice@contoso.com', 'whois Alice', 'whois requester', 'whois alice req']) {
      const found = await say(users.eve, text);
      expect(found).toContain(first.address);
      expect(found).toContain(second.address);
    }
    // Dave's record has only his id: the directory finds him by name and UPN, his records by id.
    expect(await say(users.eve, 'whois Dave Oncall')).toContain(bare.address);
    expect(await say(users.eve, 'whois dave@contoso.com')).toContain(bare.address);
    expect(await say(users.eve, 'whois Frank')).toBe('Frank Approver (frank@contoso.com) owns no address.');
    // Free pool aliases are no answer to a search: only records in use are listed.
    const aliases = await say(users.eve, 'whois aws-');
    expect(aliases).toContain(first.address);
    expect(aliases).not.toMatch(/available/);
  });

  it('link: the owner links a 12-digit id; others, bad ids and taken ids are refused and nothing changes', async () => {
    const mine = await allocateFor(users.alice, 'link-mine');
    const other = await allocateFor(users.bob, 'link-other');
    await t.app.services.addresses.linkAwsAccount(other.address, '111122223333', system);

    expect(await say(users.eve, `link ${mine.address} 123412341234`)).toMatch(
      /Only the owner of .* or an admin can change it/,
    );
    expect(await say(users.alice, `link ${mine.address} 1234`)).toMatch(/must be exactly 12 digits/);
    expect(await say(users.alice, `link ${mine.address} 111122223333`)).toMatch(
      new RegExp(`AWS account 111122223333 is already linked to \`${other.address}\``),
    );
    expect(await say(users.alice, 'link not-an-address 123412341234')).toMatch(
      /No assigned address belongs to the account not-an-address/,
    );
    expect(await say(users.alice, 'link not@an@address 123412341234')).toMatch(
      /not a valid AWS root e-mail address/,
    );
    expect(await say(users.alice, 'link ghost-01@contoso.com 123412341234')).toMatch(
      /I don't know `ghost-01@contoso.com`/,
    );
    expect((await t.app.services.addresses.get(mine.address))?.awsAccountId).toBeUndefined();

    const done = await say(users.alice, `link ${mine.address} 123412341234`);
    expect(done).toMatch(/Linked to AWS account 123412341234/);
    expect((await t.app.services.addresses.byAwsAccountId('123412341234'))?.address).toBe(mine.address);
  });

  it('transfer: resolves the new owner in the directory; only the owner or an admin may transfer', async () => {
    const record = await allocateFor(users.alice, 'transfer-demo');
    expect(await say(users.alice, `transfer ${record.address} nobody@contoso.com`)).toMatch(
      /can't find “nobody@contoso.com” in the directory/,
    );
    expect(await say(users.eve, `transfer ${record.address} eve@contoso.com`)).toMatch(/Only the owner/);
    expect(
      await confirm(users.alice, `transfer ${record.address} bob@contoso.com`, 'address.transfer'),
    ).toMatch(/Transferred[\s\S]*Bob Manager/);
    expect((await t.app.services.addresses.get(record.address))?.owner?.id).toBe(users.bob.aadObjectId);
    expect(
      await confirm(users.carol, `transfer ${record.address} ${users.alice.aadObjectId}`, 'address.transfer'),
    ).toMatch(/Alice Requester/);
  });

  it('retire: quarantines a pool alias, refuses twice, and the job returns it to the pool after QUARANTINE_DAYS', async () => {
    const record = await allocateFor(users.alice, 'retire-demo');
    const retired = await confirm(users.alice, `retire ${record.address} account closed`, 'address.retire');
    expect(retired).toMatch(/in quarantine until 2026-04-01, then back in the pool/);
    expect(await say(users.alice, `retire ${record.address}`)).toMatch(
      /already retired on 2026-01-01; it stays in quarantine until 2026-04-01/,
    );

    t.clock.advanceHours(24 * 89);
    await t.app.runJobs();
    expect((await t.app.services.addresses.get(record.address))?.state).toBe('quarantined');
    t.clock.advanceHours(24 * 2);
    await t.app.runJobs();
    const back = await t.app.services.addresses.get(record.address);
    expect(back?.state).toBe('available');
    expect(back?.owner).toBeUndefined();
  });

  it('audit shows the history to the owner and admins only', async () => {
    const record = await allocateFor(users.alice, 'audit-demo');
    t.clock.advanceMinutes(1);
    await say(users.alice, `link ${record.address} 444455556666`);
    const trail = await say(users.alice, `audit ${record.address}`);
    expect(trail).toMatch(
      /History of .*[\s\S]*Given to Alice Requester for the account audit-demo by test setup[\s\S]*Linked to AWS account 444455556666 by Alice Requester/,
    );
    expect(await say(users.carol, `audit ${record.address}`)).toMatch(/Linked to AWS account/);
    expect(await say(users.eve, `audit ${record.address}`)).toMatch(/Only an admin, or the owner/);
  });

  it('list mine shows my addresses; list all is for admins; list pending says where it comes from', async () => {
    const mine = await say(users.alice, 'list');
    expect(mine).toMatch(/Your addresses/);
    expect(mine).toContain('whois-demo');
    expect(await say(users.eve, 'list mine')).toMatch(/You own no addresses yet/);
    expect(await say(users.eve, 'list all')).toMatch(/Only an admin can list all addresses/);
    expect(await say(users.carol, 'list all')).toMatch(/Addresses in use[\s\S]*link-other/);
    expect(await say(users.alice, 'list pending')).toMatch(/Pending requests/);
  });

  it('pool shows levels per mailbox and alerts the on-call channel once when under 10 % are free', async () => {
    const level = await say(users.eve, 'pool');
    expect(level).toMatch(/pool-1@contoso.com/);
    expect(level).toMatch(/\d+ free · \d+ assigned · \d+ quarantined · capacity 300/);
    expect(cardOf(t.connector.of('reply')[0].body).type).toBe('AdaptiveCard');

    t.connector.clear();
    await t.send(channelMessage(t.connector.url, users.carol, 'setup oncall'));
    let status = await t.app.services.pool.status();
    let n = 0;
    while (status.totals.free > 1) {
      t.clock.advanceMinutes(2); // the level is counted at most once a minute
      await allocateFor(users.dave, `fill-${n++}`);
      status = await t.app.services.pool.status();
    }
    const alerts = () =>
      t.connector.sentMessages().filter((c) => /address pool is running low/.test(JSON.stringify(c.body)));
    expect(alerts()).toHaveLength(1);
    expect(JSON.stringify(alerts()[0].body)).toMatch(/1 of 20 aliases are free/);
    t.clock.advanceMinutes(2);
    await allocateFor(users.dave, `fill-${n++}`);
    expect(alerts()).toHaveLength(1);
    expect(await say(users.eve, 'pool')).toMatch(/Under 10 % of the aliases are free/);

    // a top-up resets the alert, so the next crossing alerts again
    t.connector.clear();
    await t.app.services.pool.importCsv(poolCsv(3, 10).replace(/pool-[12]@[^\n]*\n/g, ''), system);
    status = await t.app.services.pool.status();
    while (status.totals.free > 0) {
      t.clock.advanceMinutes(2); // the level is counted at most once a minute
      await allocateFor(users.dave, `fill-${n++}`);
      status = await t.app.services.pool.status();
    }
    expect(alerts()).toHaveLength(1);
    expect(JSON.stringify(alerts()[0].body)).toMatch(/2 of 30 aliases are free/);
  });
});
