import { personalConversationId, personalMessage } from '../support/activities';
import type { FakeGraph } from '../support/fakeGraph';
import { startDirectory } from '../support/requestFlow';
import { cardOf, startTestApp, TestApp } from '../support/testApp';
import { users } from '../support/users';

const { alice, bob } = users;
const titles = (card: any): string[] => (card?.actions ?? []).map((a: { title: string }) => a.title);

/** Issue 20.6: the requester's own copy of the request card never offers Approve / Reject. */
describe("the requester's copy of a request", () => {
  let t: TestApp;
  let graph: FakeGraph;
  beforeAll(async () => {
    graph = await startDirectory();
    t = await startTestApp({ env: { GRAPH_BASE_URL: graph.baseUrl } });
    await t.send(personalMessage(t.connector.url, bob, 'help')); // Bob's personal chat is known
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  it('carries no Approve / Reject, when answered and when updated; the approver’s copy does', async () => {
    t.connector.clear();
    await t.send(personalMessage(t.connector.url, alice, 'request own-copy prod Shop'));
    const mine = t.connector.of('reply', personalConversationId(alice));
    expect(mine).toHaveLength(1);
    expect(titles(cardOf(mine[0].body))).toEqual([]);
    const updates = t.connector.of('update', personalConversationId(alice));
    expect(updates.length).toBeGreaterThan(0); // "sent to Bob Manager for approval"
    for (const update of updates) expect(titles(cardOf(update.body))).toEqual([]);
    const toBob = t.connector.sentMessages().filter((c) => c.conversationId === personalConversationId(bob));
    expect(titles(cardOf(toBob.at(-1)!.body))).toEqual(['Approve', 'Reject']);
  });
});
