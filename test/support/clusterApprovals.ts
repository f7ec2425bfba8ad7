import type { AddressRequest } from '../../src/domain/addressRequests';
import { cardAction, installedForUser, personalConversationId, personalMessage } from './activities';
import type { AppCluster } from './appCluster';
import type { ConnectorCall } from './fakeBotConnector';
import { pollUntil } from './pollUntil';
import { users } from './users';

const { alice, bob } = users;
const REQUEST_ID = /req-[0-9a-f]{8}/;
const idIn = (call: ConnectorCall) => REQUEST_ID.exec(JSON.stringify(call.body))?.[0];

/**
 * The approval story on an AppCluster, as people live it: Alice (the requester) and Bob (her manager) have
 * the app; Alice asks for addresses, Bob approves on his cards, Alice gets each address. Which instance
 * answers each activity is the caller's choice (a load balancer's).
 */
export async function meetAliceAndBob(cluster: AppCluster, index = 0): Promise<void> {
  for (const user of [alice, bob]) {
    const res = await cluster.send(index, installedForUser(cluster.connector.url, user));
    if (res.status !== 200) throw new Error(`installing the app for ${user.name} answered ${res.status}`);
  }
}

/**
 * Alice asks for one address per name, spread over the live instances; resolves once Bob has every
 * approval card, with each request's id and the id of Bob's card (the card he clicks).
 */
export async function askForAddresses(cluster: AppCluster, names: string[]): Promise<Map<string, string>> {
  const live = cluster.instances.filter((i) => i.alive).map((i) => i.index);
  await Promise.all(
    names.map((name, n) =>
      cluster.send(live[n % live.length], personalMessage(cluster.connector.url, alice, `request ${name}`)),
    ),
  );
  const cards = () => {
    const found = new Map<string, string>();
    for (const call of cluster.connector.sentMessages()) {
      if (call.conversationId !== personalConversationId(bob)) continue;
      const id = idIn(call);
      if (id && names.some((name) => JSON.stringify(call.body).includes(name)))
        found.set(id, call.activityId!);
    }
    return found;
  };
  await pollUntil(
    () => cards().size >= names.length,
    () => `Bob's approval cards (${cards().size})`,
    60_000,
  );
  return cards();
}

/** Bob clicks Approve on his card for the request, on the instance given; answers the HTTP status. */
export async function approve(
  cluster: AppCluster,
  index: number,
  requestId: string,
  cardActivityId: string,
): Promise<number> {
  const verb = 'request.approve';
  const click = cardAction(
    cluster.connector.url,
    bob,
    verb,
    { verb, requestId },
    { id: personalConversationId(bob) },
    cardActivityId,
  );
  return (await cluster.send(index, click)).status;
}

/**
 * What reached Alice about each request: how many result messages ("… is ready" posted), and whether she
 * saw the address at all (that message, or her status card updated with it when the message's fate was
 * left in doubt by a kill).
 */
export function whatAliceSaw(cluster: AppCluster, requestIds: string[]) {
  const messages = new Map<string, number>(requestIds.map((id) => [id, 0]));
  const shown = new Set<string>();
  for (const call of cluster.connector.calls) {
    if (call.conversationId !== personalConversationId(alice) || call.kind === 'getMember') continue;
    const id = idIn(call);
    if (!id || !messages.has(id) || !/is ready/.test(JSON.stringify(call.body))) continue;
    shown.add(id);
    if (call.kind !== 'update') messages.set(id, messages.get(id)! + 1);
  }
  return {
    shown,
    /** Requests whose result message went out more than once. */
    twice: requestIds.filter((id) => messages.get(id)! > 1),
  };
}

/** The requests as stored. */
export async function storedRequests(cluster: AppCluster, requestIds: string[]): Promise<AddressRequest[]> {
  const found = await Promise.all(requestIds.map((id) => cluster.store.get<AddressRequest>('requests', id)));
  return found.filter((r): r is NonNullable<typeof r> => !!r);
}
