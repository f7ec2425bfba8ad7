import type { FakeBotConnector } from '../support/fakeBotConnector';
import type { FakeGraph } from '../support/fakeGraph';
import type { FakeGraphMailbox } from '../support/fakeGraphMailbox';
import { burstMailId, burstMails, mailIdOfCard, notifyBurst, onCallCards } from '../support/mailBurst';
import { OnCallInstances, startOnCallInstances } from '../support/onCallInstances';
import { pollUntil } from '../support/pollUntil';
import type { TestApp } from '../support/testApp';

/**
 * A burst of mails notified to two instances on one Cosmos DB, against a Graph that enforces Outlook's limit of
 * four concurrent requests per mailbox for the app (429 ApplicationThrottled beyond it), answering in 100 ms:
 * the instances share the four between them, so Graph (almost) never has to throttle, and every mail is read
 * and relayed once.
 */
describe('Graph pacing across instances', () => {
  let graph: FakeGraph;
  let mailbox: FakeGraphMailbox;
  let connector: FakeBotConnector;
  let apps: TestApp[];
  let instances: OnCallInstances | undefined;

  beforeAll(async () => {
    instances = await startOnCallInstances(2);
    ({ graph, mailbox, connector, apps } = instances);
  });
  afterAll(async () => instances?.stop());

  it('reads a 40-mail burst with at most 4 requests at once on the mailbox for both instances together', async () => {
    graph.enforceMailboxLimits();
    graph.latencyMs = 100;
    const before = graph.mailboxRequests;
    const mails = burstMails(40);
    const { statuses, answeredMs } = await notifyBurst(
      mailbox,
      mails,
      apps.map((t) => t.url),
      4,
    );
    expect(statuses.every((s) => s === 202)).toBe(true);
    // Graph marks an endpoint slower than 3 s "slow" and then drops its notifications.
    expect(Math.max(...answeredMs)).toBeLessThan(3_000);
    await pollUntil(
      () => mails.every((_, n) => onCallCards(connector).some((c) => mailIdOfCard(c) === burstMailId(n))),
      () => `every card (${onCallCards(connector).length}; ${graph.throttled.length} throttled)`,
      60_000,
    );
    await Promise.all(apps.map((t) => t.app.idle()));

    const reads = graph.mailboxRequests - before;
    expect(reads).toBeGreaterThanOrEqual(40);
    // Goal: at most 5 % of mailbox reads throttled; sharing the four permits leaves none in practice.
    expect(graph.throttled.length).toBeLessThanOrEqual(Math.floor(reads * 0.05));
    const cards = onCallCards(connector).map(mailIdOfCard).filter(Boolean);
    expect(new Set(cards).size).toBe(cards.length); // each mail once
  }, 120_000);

  it('waits out a Retry-After from Graph on both instances: they stop at once and send nothing until it has passed', async () => {
    graph.enforceMailboxLimits();
    graph.latencyMs = 20;
    const early = graph.earlyRequests.length;
    const mails = burstMails(12, 100);
    graph.throttleNextMailboxRequests(1, 2);
    await notifyBurst(
      mailbox,
      mails,
      apps.map((t) => t.url),
      3,
    );
    await pollUntil(
      () =>
        mails.every((_, n) => onCallCards(connector).some((c) => mailIdOfCard(c) === burstMailId(100 + n))),
      () => `every card (${graph.throttled.length} throttled, ${graph.earlyRequests.length} early)`,
      60_000,
    );
    // Requests already on their way when Graph said 429 arrive within moments; after that, nothing until
    // the Retry-After has passed (today: the other instance goes on for the whole two seconds).
    const late = graph.earlyRequests.slice(early).filter((r) => r.sinceThrottle > 300);
    expect(late.map((r) => `${r.sinceThrottle} ms ${r.path}`)).toEqual([]);
  }, 120_000);
});
