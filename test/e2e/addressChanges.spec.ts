import { person } from '../../src/domain/permissions';
import { cardAction, personalConversationId, personalMessage } from '../support/activities';
import { poolCsv } from '../support/addressFixtures';
import { FakeGraph } from '../support/fakeGraph';
import { cardOf, startTestApp, TestApp, textOf } from '../support/testApp';
import { TestUser, users } from '../support/users';

const { alice, bob, carol, eve } = users;
const megan: TestUser = {
  aadObjectId: '00000000-0000-0000-0000-000000000021',
  name: 'Megan Bowen',
  upn: 'meganb@contoso.com',
};
const meganR: TestUser = {
  aadObjectId: '00000000-0000-0000-0000-000000000022',
  name: 'Megan Bowers',
  upn: 'meganr@contoso.com',
};

/**
 * Issue 20.4 and 20.5 in chat over real HTTP: people by name, account names for addresses, confirmation
 * before retire and transfer, the reason kept, the owners told, `restore`; and 20.6's command words.
 */
describe('changing an address in chat: by name, confirmed, told', () => {
  let t: TestApp;
  let graph: FakeGraph;
  const system = person('setup', 'setup', true);

  beforeAll(async () => {
    graph = new FakeGraph();
    for (const u of [alice, bob, carol, eve, megan, meganR])
      graph.addUser({ id: u.aadObjectId, displayName: u.name, userPrincipalName: u.upn });
    await graph.start();
    t = await startTestApp({ env: { GRAPH_BASE_URL: graph.baseUrl, ADMIN_IDS: carol.aadObjectId } });
    await t.app.services.pool.importCsv(poolCsv(1, 10), system);
    // Everyone has spoken to the bot once, so their personal chats are known.
    for (const u of [alice, bob, carol, megan]) await t.send(personalMessage(t.connector.url, u, 'help'));
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });
  beforeEach(() => t.connector.clear());

  const allocate = (accountName: string, owner: TestUser = alice) =>
    t.app.services.addresses.allocate({
      accountName,
      owner: { id: owner.aadObjectId, upn: owner.upn, name: owner.name },
      by: system,
    });
  /** The one answer to a personal-chat message. */
  async function say(user: TestUser, text: string) {
    const before = t.connector.calls.length;
    await t.send(personalMessage(t.connector.url, user, text));
    const replies = t.connector.calls
      .slice(before)
      .filter((c) => c.kind === 'reply' && c.conversationId === personalConversationId(user));
    expect(replies).toHaveLength(1);
    return { text: textOf(replies[0].body), card: cardOf(replies[0].body) };
  }
  /** Clicks the card's button with that verb, as Teams sends it; answers the card or text it returns. */
  async function click(user: TestUser, card: any, verb: string, pick = 0) {
    const actions = (card?.actions ?? []).filter((a: any) => a.verb === verb);
    expect(actions.length).toBeGreaterThan(pick);
    const res = await t.send(cardAction(t.connector.url, user, verb, actions[pick].data));
    return {
      text: textOf({ attachments: [{ content: res.body?.value }] }) || String(res.body?.value ?? ''),
      card: res.body?.value,
    };
  }
  /** What the bot sent into a person's personal chat on its own (a stored chat is posted to as a reply). */
  const toldIn = (user: TestUser) =>
    t.connector
      .sentMessages()
      .filter((c) => c.conversationId === personalConversationId(user))
      .map((c) => textOf(c.body))
      .join('\n');

  it('retire asks first, says until when, keeps the reason, tells the owner; history shows it; restore gives it back', async () => {
    const record = await allocate('closing-shop');
    const asked = await say(carol, 'retire closing-shop account closed in test');
    expect(asked.text).toContain('Retire this address?');
    expect(asked.text).toContain(record.address);
    expect(asked.text).toMatch(/quarantine for 90 days, until \d{4}-\d\d-\d\d/);
    expect(asked.text).toContain('account closed in test');
    expect((await t.app.services.addresses.get(record.address))?.state).toBe('assigned'); // nothing yet

    const done = await click(carol, asked.card, 'address.retire');
    expect(done.text).toMatch(/Retired \(account closed in test\): in quarantine until/);
    await t.app.idle();
    expect((await t.app.services.addresses.get(record.address))?.state).toBe('quarantined');
    const told = toldIn(alice);
    expect(told).toContain(`Carol Admin retired ${record.address} (account closing-shop)`);
    expect(told).toContain('account closed in test');
    expect(told).toContain(`restore ${record.address}`);
    const [retired] = (await t.app.services.audit.about(record.address)).filter(
      (e) => e.action === 'address.retired',
    );
    expect(retired.detail).toBe('account closed in test');
    // The history in words, at the reader's time (Teams sends the zone with the message), zone named.
    const before = t.connector.calls.length;
    await t.send({
      ...personalMessage(t.connector.url, carol, 'audit closing-shop'),
      localTimezone: 'Europe/Berlin',
    });
    const history = textOf(t.connector.calls.slice(before).find((c) => c.kind === 'reply')!.body);
    expect(history).toContain('Retired by Carol Admin: account closed in test; in quarantine until');
    expect(history).toContain('Given to Alice Requester for the account closing-shop by setup');
    expect(history).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d Europe\/Berlin/);
    expect(history).not.toMatch(/address\.retired|T\d\d:\d\d:\d\d\.\d+Z|UTC/);

    expect((await say(carol, 'help')).text).toMatch(
      /restore ‹address \| account name›[\s\S]*back to its last owner/,
    );
    expect((await say(alice, `restore ${record.address}`)).text).toMatch(/Only an admin/);
    t.connector.clear();
    const restored = await say(carol, 'restore closing-shop');
    expect(restored.text).toContain('Restored to Alice Requester');
    await t.app.idle();
    expect(await t.app.services.addresses.get(record.address)).toMatchObject({
      state: 'assigned',
      owner: { id: alice.aadObjectId },
    });
    expect(toldIn(alice)).toContain(`Carol Admin restored ${record.address}`);
  });

  it('keep on the confirmation changes nothing', async () => {
    const record = await allocate('kept-shop');
    const asked = await say(alice, `retire ${record.address}`);
    const kept = await click(alice, asked.card, 'address.keep');
    expect(kept.text).toContain('Nothing changed');
    expect((await t.app.services.addresses.get(record.address))?.state).toBe('assigned');
  });

  it('transfer takes a display name (and an account name), asks to confirm, and tells both owners', async () => {
    const record = await allocate('payments-prod');
    const asked = await say(alice, 'transfer payments-prod Bob Manager');
    expect(asked.text).toContain('Transfer this address?');
    expect(asked.text).toContain('Bob Manager (bob@contoso.com)');
    expect((await t.app.services.addresses.get(record.address))?.owner?.id).toBe(alice.aadObjectId);
    t.connector.clear();
    const done = await click(alice, asked.card, 'address.transfer');
    expect(done.text).toContain('Transferred to Bob Manager');
    await t.app.idle();
    expect((await t.app.services.addresses.get(record.address))?.owner?.id).toBe(bob.aadObjectId);
    expect(toldIn(bob)).toContain(
      `Alice Requester transferred ${record.address} (account payments-prod) to you`,
    );
    expect(toldIn(alice)).toBe(''); // she did it herself
  });

  it('a name that matches several people: a card to pick one, then the confirmation', async () => {
    const record = await allocate('megan-shop');
    const asked = await say(alice, `transfer ${record.address} Megan`);
    expect(asked.text).toContain('Several people match “Megan”');
    expect(asked.text).toContain('Megan Bowen (meganb@contoso.com)');
    expect(asked.text).toContain('Megan Bowers (meganr@contoso.com)');
    const meganButton = asked.card.actions.findIndex((a: any) => a.title?.includes('Megan Bowen'));
    const confirm = await click(alice, asked.card, 'address.transfer.choose', meganButton);
    expect(confirm.text).toContain('Transfer this address?');
    await click(alice, confirm.card, 'address.transfer');
    await t.app.idle();
    expect((await t.app.services.addresses.get(record.address))?.owner?.id).toBe(megan.aadObjectId);
    // A full name is one person even where another name starts the same way.
    const other = await allocate('bowen-shop');
    expect((await say(alice, `transfer ${other.address} Megan Bowen`)).text).toContain(
      'Transfer this address?',
    );
    expect((await say(alice, `transfer ${other.address} Nobody Here`)).text).toMatch(
      /can't find “Nobody Here”.*display name, UPN, mail/,
    );
  });

  it('lookup, find and search are whois; an unknown word suggests the closest command', async () => {
    const record = await allocate('lookup-shop');
    for (const word of ['lookup', 'find', 'search', 'LOOKUP'])
      expect((await say(eve, `${word} lookup-shop`)).text).toContain(record.address);
    expect((await say(eve, 'whosi lookup-shop')).text).toMatch(/Did you mean `whois lookup-shop`\?/);
    expect((await say(eve, 'retrie x')).text).toMatch(/Did you mean `retire x`\?/);
    expect((await say(eve, 'banana')).text).not.toMatch(/Did you mean/);
  });
});
