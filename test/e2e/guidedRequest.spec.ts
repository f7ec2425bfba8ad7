import { person } from '../../src/domain/permissions';
import { GUIDED_REQUEST_IDLE_MINUTES } from '../../src/bot/dialogs/guidedRequest';
import { channelMessage, personalConversationId, personalMessage } from '../support/activities';
import { poolCsv } from '../support/addressFixtures';
import type { FakeGraph } from '../support/fakeGraph';
import { sentTo, startDirectory } from '../support/requestFlow';
import { cardOf, startTestApp, TestApp, textOf } from '../support/testApp';
import { TestUser, users } from '../support/users';

const { alice, bob, carol } = users;

/**
 * `request` typed in a personal chat: the guided chat asks for the account name, the environment, an
 * optional purpose and a confirmation; its state is botbuilder's ConversationState on our store.
 */
describe.each(['embedded', 'cosmos'] as const)('the guided request chat (%s store)', (store) => {
  let t: TestApp;
  let graph: FakeGraph;
  const instances: TestApp[] = [];
  const env = () => ({ GRAPH_BASE_URL: graph.baseUrl, ADMIN_IDS: carol.aadObjectId });

  /** Types in the personal chat and answers what the bot sent back (each message's text, cards included). */
  async function say(user: TestUser, text: string): Promise<string[]> {
    const before = t.connector.calls.length;
    const res = await t.send(personalMessage(t.connector.url, user, text));
    expect(res.status).toBe(200);
    return t.connector.calls
      .slice(before)
      .filter((c) => c.kind === 'reply' && c.conversationId === personalConversationId(user))
      .map((c) => textOf(c.body));
  }
  const last = async (user: TestUser, text: string) => (await say(user, text)).join('\n');
  const draftsStored = async () => (await t.app.store.query('botState', {})).length;

  beforeAll(async () => {
    graph = await startDirectory();
    t = await startTestApp({ store, env: env() });
    instances.push(t);
    await t.app.services.pool.importCsv(poolCsv(1, 5), person(carol.aadObjectId, carol.name, true));
  });
  afterAll(async () => {
    // The latest instance first; the first one owns the connector, the data and the Cosmos server.
    for (const instance of instances.reverse()) await instance.close();
    await graph.stop();
  });
  beforeEach(() => t.connector.clear());

  it('asks each part in turn, re-asks a bad value with the rule, and submits on Yes', async () => {
    expect(await last(alice, 'request')).toMatch(/What is the account called\?.*payments-prod/s);
    expect(await draftsStored()).toBe(1);

    // The same domain rule as the form and the API, in its own words; asked again.
    expect(await last(alice, 'prod payments')).toMatch(
      /`prod payments` is not a valid account name: use letters, digits and hyphens.*Type another name, or `cancel`/s,
    );
    const environment = await say(alice, 'Ledger-Prod');
    expect(environment.join('\n')).toMatch(/Which environment is ledger-prod for\?/);
    expect(environment.join('\n')).toMatch(/\(1\) prod, \(2\) nonprod, or \(3\) sandbox/);

    expect(await last(alice, 'banana')).toMatch(/Choose prod, nonprod, sandbox/);
    expect(await last(alice, 'production')).toMatch(/What is it for\? One line for your approver, or `skip`/);
    // A purpose may start like a command; it is an answer all the same.
    expect(await last(alice, 'request tracking for cancel team')).toMatch(
      /purpose “request tracking for cancel team”/,
    );
    expect(await last(alice, 'no')).toMatch(/Stopped/);
    await say(alice, 'request');
    await say(alice, 'ledger-prod');
    await say(alice, 'prod');
    const summary = await last(alice, 'General ledger [see](https://x.example)');
    expect(summary).toMatch(
      /Ask for a root e-mail address for ledger-prod \(prod\), purpose “General ledger/,
    );
    expect(summary).not.toContain('https://'); // the purpose is shown inert
    expect(summary).toMatch(/\(1\) Yes or \(2\) No/);
    expect(await t.app.services.requests.listPending()).toHaveLength(0); // nothing asked before Yes

    const answer = await last(alice, 'yes');
    expect(answer).toMatch(/Sending the approval card to Bob Manager…/);
    const [pending] = await t.app.services.requests.listPending();
    expect(pending).toMatchObject({
      accountName: 'ledger-prod',
      environment: 'prod',
      purpose: 'General ledger [see](https://x.example)',
      requester: { id: alice.aadObjectId, upn: alice.upn },
      approvers: [{ id: bob.aadObjectId, name: 'Bob Manager' }],
    });
    expect(
      sentTo(t, personalConversationId(bob))
        .map((c) => textOf(c.body))
        .join('\n'),
    ).toMatch(/Alice Requester asks for a root e-mail address[\s\S]*ledger-prod/);
    expect(await draftsStored()).toBe(0); // a finished chat leaves no state behind

    // The chat is over: the next message is a command again.
    expect(await last(alice, 'help')).toMatch(/Show what I can do/);
    await t.app.services.requests.cancel(pending.requestId, person(alice.aadObjectId, alice.name));
  });

  it('`cancel` leaves at any prompt; No at the summary asks nothing; `request` starts over', async () => {
    await say(alice, 'request');
    expect(await last(alice, 'CANCEL')).toMatch(/Stopped: nothing was requested/);
    expect(await draftsStored()).toBe(0);
    expect(await last(alice, 'help')).toMatch(/Show what I can do/);

    await say(alice, 'request');
    await say(alice, 'quiet-one');
    await say(alice, 'sandbox');
    expect(await last(alice, 'cancel')).toMatch(/Stopped/);

    await say(alice, 'request');
    await say(alice, 'second-thoughts');
    expect(await last(alice, 'request')).toMatch(/What is the account called\?/); // starts over
    await say(alice, 'second-thoughts');
    await say(alice, 'nonprod');
    await say(alice, 'skip');
    expect(await last(alice, 'No')).toMatch(/Stopped: nothing was requested/);
    expect(await t.app.services.requests.listPending()).toHaveLength(0);
  });

  it('`help` inside the chat explains and asks the same question again', async () => {
    await say(alice, 'request');
    await say(alice, 'helpful-one');
    const helped = await say(alice, 'help');
    expect(helped[0]).toMatch(/one question at a time.*`cancel` to stop/s);
    expect(helped[1]).toMatch(/Which environment is helpful-one for\?/);
    await say(alice, 'cancel');
  });

  it('survives a restart in the middle: another instance on the same store continues the chat', async () => {
    await say(alice, 'request');
    await say(alice, 'restart-proof');
    await t.stopApp();
    const again = await startTestApp({
      store,
      env: env(),
      dataDir: t.dataDir,
      connector: t.connector,
      cosmos: t.cosmos,
    });
    instances.push(again);
    t = again;
    expect(await last(alice, 'sandbox')).toMatch(/What is it for\?/);
    expect(await last(alice, 'skip')).toMatch(/restart-proof \(sandbox\), no purpose given/);
    expect(await last(alice, 'y')).toMatch(/Sending the approval card to Bob Manager/);
    const [pending] = await t.app.services.requests.listPending();
    expect(pending).toMatchObject({ accountName: 'restart-proof', environment: 'sandbox' });
    expect(pending.purpose).toBeUndefined();
    await t.app.services.requests.cancel(pending.requestId, person(alice.aadObjectId, alice.name));
  });

  it(`expires after ${GUIDED_REQUEST_IDLE_MINUTES} idle minutes; a command then still works`, async () => {
    await say(alice, 'request');
    t.clock.advanceMinutes(GUIDED_REQUEST_IDLE_MINUTES - 1);
    expect(await last(alice, 'slow-typist')).toMatch(/Which environment/); // an answer keeps it alive
    t.clock.advanceMinutes(GUIDED_REQUEST_IDLE_MINUTES + 1);
    const late = await say(alice, 'prod');
    expect(late).toHaveLength(1);
    expect(late[0]).toMatch(/unfinished request .* was dropped; nothing was requested/);
    expect(await draftsStored()).toBe(0);

    await say(alice, 'request');
    t.clock.advanceMinutes(GUIDED_REQUEST_IDLE_MINUTES + 1);
    const withCommand = await say(alice, 'help');
    expect(withCommand[0]).toMatch(/was dropped/);
    expect(withCommand[1]).toMatch(/Show what I can do/);
  });

  it('gives the form, not the chat, in a channel; `request form` gives it in a personal chat', async () => {
    await say(alice, 'request');
    await say(alice, 'changed-my-mind');
    await say(alice, 'request form'); // leaves the guided chat for the form
    expect(await draftsStored()).toBe(0);
    expect(
      cardOf(t.connector.of('reply').at(-1)!.body).body.some((e: { id?: string }) => e.id === 'accountName'),
    ).toBe(true);
    t.connector.clear();

    await t.send(channelMessage(t.connector.url, alice, 'request'));
    const inChannel = cardOf(t.connector.of('reply').at(-1)!.body);
    expect(inChannel.body.some((e: { id?: string }) => e.id === 'accountName')).toBe(true);
    t.connector.clear();
    await say(alice, 'request form');
    expect(
      cardOf(t.connector.of('reply').at(-1)!.body).body.some((e: { id?: string }) => e.id === 'accountName'),
    ).toBe(true);
    expect(await draftsStored()).toBe(0);
  });
});
