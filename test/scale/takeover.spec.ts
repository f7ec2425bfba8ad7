import { AppCluster } from '../support/appCluster';
import {
  approve,
  askForAddresses,
  meetAliceAndBob,
  storedRequests,
  whatAliceSaw,
} from '../support/clusterApprovals';
import { pollUntil } from '../support/pollUntil';

/**
 * Two real app processes on one Cosmos DB, as deployed, with the production lease settings (issue 21,
 * "leases that follow the work"): the work of an instance killed with kill -9 is taken over by the other
 * within the goal, and an instance that starts while another works leaves that work alone.
 */
const TAKEOVER_GOAL_MS = 2 * 60_000;

describe('two instances on one Cosmos DB (production lease settings)', () => {
  let cluster: AppCluster;
  beforeAll(async () => {
    cluster = await AppCluster.start({ instances: 2, poolAliases: 30 });
    await meetAliceAndBob(cluster);
  }, 120_000);
  afterAll(async () => cluster?.stop());
  afterEach(() => {
    cluster.connector.latencyMs = 0;
  });

  it('kill -9 of one instance right after 8 approvals: every requester gets their address exactly once within 2 minutes', async () => {
    const cards = await askForAddresses(
      cluster,
      Array.from({ length: 8 }, (_, i) => `takeover-${i}`),
    );
    const requestIds = [...cards.keys()];
    cluster.connector.latencyMs = 1_500; // Teams answering slowly: the work after each click is in flight
    const clicks = await Promise.all(requestIds.map((id) => approve(cluster, 0, id, cards.get(id)!)));
    expect(clicks).toEqual(requestIds.map(() => 200)); // every decision stored and answered by instance 0
    await cluster.kill(0);
    const killedAt = Date.now();

    await cluster.explained(async () => {
      await pollUntil(
        () => whatAliceSaw(cluster, requestIds).shown.size === requestIds.length,
        () => `every address shown (${whatAliceSaw(cluster, requestIds).shown.size} of 8)`,
        TAKEOVER_GOAL_MS,
      );
      const shownAfterMs = Date.now() - killedAt;
      await pollUntil(
        async () => (await storedRequests(cluster, requestIds)).every((r) => !r.workPending),
        'every request finished',
        TAKEOVER_GOAL_MS - shownAfterMs,
      );
      console.log(
        `takeover after kill -9: every address shown ${(shownAfterMs / 1000).toFixed(1)} s after the kill, ` +
          `all work done after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`,
      );
    });
    const requests = await storedRequests(cluster, requestIds);
    expect(requests.map((r) => r.state)).toEqual(requestIds.map(() => 'fulfilled'));
    expect(new Set(requests.map((r) => r.address)).size).toBe(8);
    expect(whatAliceSaw(cluster, requestIds).twice).toEqual([]);
    await cluster.restart(0);
  }, 240_000);

  it('an instance that starts while another performs steps leaves them alone: each card updated once, each result once', async () => {
    const cards = await askForAddresses(
      cluster,
      Array.from({ length: 6 }, (_, i) => `starting-${i}`),
    );
    const requestIds = [...cards.keys()];
    const settled = async () => (await storedRequests(cluster, requestIds)).every((r) => !r.workPending);
    await pollUntil(settled, 'the approval cards delivered', 30_000);
    const before = cluster.connector.calls.length;
    cluster.connector.latencyMs = 4_000; // each step's call to Teams takes a while: the steps stay claimed
    const clicks = await Promise.all(requestIds.map((id) => approve(cluster, 1, id, cards.get(id)!)));
    expect(clicks).toEqual(requestIds.map(() => 200));
    const starting = await cluster.startInstance(); // a rolling deployment's new instance, say

    await cluster.explained(async () => {
      await pollUntil(
        async () =>
          (await storedRequests(cluster, requestIds)).every((r) => r.state === 'fulfilled' && !r.workPending),
        'every request finished',
        90_000,
      );
    });
    // Alice's status card of each request is updated once after the decision (Bob's was replaced by the
    // answer to his click), and each address goes out once.
    const updates = cluster.connector.calls.slice(before).filter((c) => c.kind === 'update');
    const perCard = new Map<string, number>();
    for (const u of updates)
      perCard.set(
        `${u.conversationId}/${u.activityId}`,
        (perCard.get(`${u.conversationId}/${u.activityId}`) ?? 0) + 1,
      );
    expect([...perCard.values()].filter((n) => n > 1)).toEqual([]);
    expect(perCard.size).toBe(requestIds.length);
    const seen = whatAliceSaw(cluster, requestIds);
    expect(seen.shown.size).toBe(requestIds.length);
    expect(seen.twice).toEqual([]);
    // No step of the working instance was taken for one a crash had cut off.
    expect(starting.process.output()).not.toMatch(/interrupted before|may have reached Teams/);
  }, 240_000);
});
