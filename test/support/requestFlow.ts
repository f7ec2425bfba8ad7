import { cardAction, personalConversationId, personalMessage } from './activities';
import { FakeGraph } from './fakeGraph';
import type { ConnectorCall } from './fakeBotConnector';
import { cardOf, TestApp, textOf } from './testApp';
import { TestUser, users } from './users';

/**
 * The directory of the test tenant as the request feature sees it: Alice reports to Bob; nobody else has
 * a manager, so their requests go to APPROVER_IDS.
 */
export async function startDirectory(): Promise<FakeGraph> {
  const graph = new FakeGraph();
  await graph.start();
  const add = (user: TestUser, manager?: TestUser) =>
    graph.addUser({
      id: user.aadObjectId,
      displayName: user.name,
      userPrincipalName: user.upn,
      managerId: manager?.aadObjectId,
    });
  add(users.alice, users.bob);
  add(users.bob);
  add(users.carol);
  add(users.dave);
  add(users.eve);
  add(users.frank);
  return graph;
}

/** `request <name> …` typed by a user in their personal chat; answers the request id from the store. */
export async function askFor(t: TestApp, user: TestUser, text: string): Promise<string> {
  const before = t.connector.calls.length;
  const res = await t.send(personalMessage(t.connector.url, user, text));
  if (res.status !== 200) throw new Error(`request answered ${res.status}`);
  const status = t.connector.calls
    .slice(before)
    .map((c) => cardOf(c.body))
    .find(
      (card) => card && /Request/.test(JSON.stringify(card)) && /req-[0-9a-f]{8}/.test(JSON.stringify(card)),
    );
  const id = /req-[0-9a-f]{8}/.exec(JSON.stringify(status ?? ''))?.[0];
  if (!id) throw new Error(`no request was created; the bot sent:\n${t.connector.describe()}`);
  return id;
}

/** An Approve or Reject click (Action.Execute) by `user` in their personal chat. */
export function click(
  t: TestApp,
  user: TestUser,
  verb: 'request.approve' | 'request.reject' | 'request.refresh',
  requestId: string,
  comment?: string,
  options?: { settle?: boolean },
) {
  return t.send(
    cardAction(
      t.connector.url,
      user,
      verb,
      { verb, requestId, ...(comment !== undefined ? { comment } : {}) },
      { id: personalConversationId(user) },
    ),
    options,
  );
}

/** The text of the card an invoke answered with. */
export function invokeCardText(body: { value?: unknown }): string {
  return textOf({
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: body?.value }],
  });
}

/** Messages the bot sent into one conversation (proactive posts arrive as replies to the continuation). */
export function sentTo(t: TestApp, conversationId: string): ConnectorCall[] {
  return t.connector.sentMessages().filter((c) => c.conversationId === conversationId);
}
