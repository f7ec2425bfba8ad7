import { VERBS } from '../../src/cards/verbs';
import { person } from '../../src/domain/permissions';
import { cardAction, cardSubmit, personalMessage } from '../support/activities';
import { poolCsv } from '../support/addressFixtures';
import type { ConnectorCall } from '../support/fakeBotConnector';
import type { FakeGraph } from '../support/fakeGraph';
import { startDirectory } from '../support/requestFlow';
import { HOSTILE, HOSTILE_LINES, liveMarkdown } from '../support/liveMarkdown';
import { startTestApp, TestApp } from '../support/testApp';
import { TestUser, users } from '../support/users';

/**
 * Issue 18.4: every plain message the bot sends is inert — names from the directory and from Teams, ids
 * echoed back, comments and command words a person typed can never become a link, an image, emphasis, a
 * list or reordered text in Teams (which renders a message without textFormat as markdown).
 */
describe('every plain message is inert, whatever the values in it', () => {
  let t: TestApp;
  let graph: FakeGraph;
  const hostileAlice: TestUser = { ...users.alice, name: `Alice ${HOSTILE}` };
  const hostileEve: TestUser = { ...users.eve, name: `Eve ${HOSTILE}` };
  const invokeAnswers: string[] = [];

  beforeAll(async () => {
    // The test tenant's directory, with two people whose display names are hostile.
    graph = await startDirectory();
    graph.addUser({
      id: users.alice.aadObjectId,
      displayName: `Build Bot ${HOSTILE}`,
      userPrincipalName: users.alice.upn,
      managerId: users.bob.aadObjectId,
    });
    graph.addUser({
      id: users.eve.aadObjectId,
      displayName: hostileEve.name,
      userPrincipalName: users.eve.upn,
    });
    t = await startTestApp({ env: { GRAPH_BASE_URL: graph.baseUrl, ADMIN_IDS: users.carol.aadObjectId } });
    await t.app.services.pool.importCsv(poolCsv(1, 10), person('setup', 'setup', true));
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  const say = (user: TestUser, text: string) => t.send(personalMessage(t.connector.url, user, text));
  const click = async (user: TestUser, verb: string, data: Record<string, unknown>) => {
    const res = await t.send(cardAction(t.connector.url, user, verb, { verb, ...data }));
    if (res.body?.type === 'application/vnd.microsoft.activity.message')
      invokeAnswers.push(String(res.body.value));
  };
  const textsSent = () =>
    t.connector.calls
      .map((c: ConnectorCall) => c.body?.text ?? c.body?.activity?.text)
      .filter((x): x is string => typeof x === 'string' && x.length > 0);

  it('renders every kind of plain message with hostile values and finds no live markdown', async () => {
    const word = `[x](https://evil.example/a)**b**`;
    const lines = HOSTILE_LINES.join('\n');
    // Command words and arguments a person typed, echoed back in answers and refusals.
    for (const text of [
      word,
      `\u202Eexe.gnp`,
      `whois ${HOSTILE}`,
      `whois Build`,
      `cancel ${word}`,
      `audit ${word}`,
      `link ${word} ${word}`,
      `transfer ${word} ${HOSTILE}`,
      `retire ${word} ${HOSTILE}`,
      `request ${word}`,
      `request fine-name ${word} purpose`,
      `list ${word}`,
      `setup ${word}`,
      `adopt ${word}`,
      `lookup ${word}`,
      lines,
    ])
      await say(hostileAlice, text);
    // Ids echoed back from card clicks (Action.Execute answers and Action.Submit messages).
    await click(hostileAlice, VERBS.requestRefresh, { requestId: word });
    await click(hostileAlice, VERBS.requestApprove, { requestId: word });
    await t.send(
      cardSubmit(t.connector.url, hostileAlice, { verb: VERBS.requestReject, requestId: word }, 'x'),
    );

    // A request by a person with a hostile name: the approver's `list pending`, a stranger's click, the
    // rejection comment the requester is told.
    await say(hostileAlice, 'request hostile-target prod New shop');
    const [pending] = await t.app.services.requests.listPending(10);
    expect(pending).toBeDefined();
    await say(users.bob, 'list pending');
    await t.send(
      cardSubmit(
        t.connector.url,
        hostileEve,
        { verb: VERBS.requestApprove, requestId: pending.requestId },
        'x',
      ),
    );
    await click(users.bob, VERBS.requestReject, {
      requestId: pending.requestId,
      comment: `${HOSTILE}\n${lines}`,
    });
    await t.app.idle();

    const texts = [...textsSent(), ...invokeAnswers];
    // The values did reach the messages (as text), so the check below is about them.
    expect(texts.some((x) => x.includes('evil.example'))).toBe(true);
    expect(texts.some((x) => x.includes('Build Bot') || x.includes('Alice'))).toBe(true);
    expect(texts.some((x) => /rejected by Bob Manager/.test(x) && x.includes('Approve'))).toBe(true);
    expect(texts.length).toBeGreaterThan(20);
    const live = texts.map((text) => ({ text, found: liveMarkdown(text) })).filter((x) => x.found.length);
    expect(live).toEqual([]);
  });

  it('the detector finds each construct in raw text (so the check above can fail)', () => {
    expect(liveMarkdown(HOSTILE)).toEqual(
      expect.arrayContaining(['image', 'link', 'html', 'emphasis', 'bidi control']),
    );
    for (const line of HOSTILE_LINES) expect(liveMarkdown(`ok\n${line}`).length).toBeGreaterThan(0);
    expect(liveMarkdown('Say `cancel req-1a2b3c4d` to withdraw aws_3f9a@example.net.')).toEqual([]);
  });
});
