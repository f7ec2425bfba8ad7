import { AuditLog } from '../../src/app/auditLog';
import type { AddressRequest } from '../../src/domain/addressRequests';
import { ManualClock } from '../../src/ports/clock';
import {
  cardAction,
  channelMessage,
  installedForUser,
  ONCALL_CHANNEL_ID,
  personalConversationId,
  personalMessage,
} from '../support/activities';
import { AppCluster } from '../support/appCluster';
import { POOL_ADDRESS, POOL_ADDRESS_RECORD, readFixture } from '../support/mailFixtures';
import { pollUntil } from '../support/pollUntil';
import { invokeCardText } from '../support/requestFlow';
import { TestUser, users } from '../support/users';

/**
 * What must hold once across instances, with real processes on one Cosmos DB (issue 21): one inbox
 * subscription, even when the instance creating it is killed; one decision per request when two approvers
 * click on two instances at once, carried out once even when the deciding instance is killed right after.
 * Short leases (WORK_LEASE_SECONDS=10) keep the takeovers quick; takeover.spec.ts uses the defaults.
 */
const SHORT_LEASES = { WORK_LEASE_SECONDS: '10', WORK_POLL_SECONDS: '2' };
const { carol, dave, frank } = users;

describe('one inbox subscription across instances', () => {
  let cluster: AppCluster;
  afterAll(async () => cluster?.stop());

  it('the instance creating it is killed while Graph validates: another creates it, one live subscription, each mail posted once', async () => {
    cluster = await AppCluster.start({
      instances: 0,
      mailbox: true,
      env: { ...SHORT_LEASES, ADMIN_IDS: carol.aadObjectId },
    });
    const mailbox = cluster.mailbox!;
    const held = mailbox.holdNextCreate(); // Graph is slow to validate the first creation
    await cluster.startInstance();
    await held.arrived;
    await cluster.startInstance(); // sees the first instance's claim and leaves the creation to it
    await cluster.kill(0);
    held.answer(503); // the dead instance's creation never completed
    const killedAt = Date.now();

    const stored = async () =>
      (await cluster.store.get<{ subscriptionId?: string }>('subscriptions', 'inbox'))?.subscriptionId;
    await cluster.explained(async () => {
      await pollUntil(async () => !!(await stored()), 'a subscription created by the other instance', 60_000);
    });
    console.log(`subscription taken over ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
    expect([...mailbox.subscriptions.keys()]).toEqual([await stored()]);

    // Both instances are told about the same mail (Graph may deliver a notification twice): one card.
    await cluster.restart(0);
    await cluster.store.create('addresses', POOL_ADDRESS, POOL_ADDRESS_RECORD);
    expect((await cluster.send(1, channelMessage(cluster.connector.url, carol, 'setup oncall'))).status).toBe(
      200,
    );
    const id = mailbox.deliver(readFixture('verification-code.eml'));
    const answers = await Promise.all([cluster.notify(0, [id]), cluster.notify(1, [id])]);
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    const cards = () =>
      cluster.connector
        .of('createConversation')
        .filter((c) => c.body?.channelData?.channel?.id === ONCALL_CHANNEL_ID);
    await pollUntil(() => cards().length >= 1, 'the mail card', 30_000);
    await pollUntil(
      async () => (await cluster.store.count('mails', { state: 'processing' })) === 0,
      'the mail finished on both instances',
      30_000,
    );
    expect(cards()).toHaveLength(1);
    expect(mailbox.subscriptions.size).toBe(1);
  }, 240_000);
});

describe('one decision per request across instances', () => {
  let cluster: AppCluster;
  beforeAll(async () => {
    cluster = await AppCluster.start({
      instances: 2,
      poolAliases: 20,
      env: { ...SHORT_LEASES, APPROVER_IDS: `${frank.aadObjectId},${carol.aadObjectId}` },
    });
    for (const user of [dave, frank, carol])
      await cluster.send(0, installedForUser(cluster.connector.url, user));
  }, 120_000);
  afterAll(async () => cluster?.stop());

  const click = (index: number, user: TestUser, verb: string, requestId: string) =>
    cluster.send(
      index,
      cardAction(
        cluster.connector.url,
        user,
        verb,
        { verb, requestId },
        { id: personalConversationId(user) },
      ),
    );

  it('Frank approves on one instance while Carol rejects on the other, and the deciding instance dies: one outcome, told once', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `decide-once-${i}`);
    const asked = await Promise.all(
      names.map((name, i) =>
        cluster.send(i % 2, personalMessage(cluster.connector.url, dave, `request ${name}`)),
      ),
    );
    expect(asked.map((a) => a.status)).toEqual(names.map(() => 200));
    const requests = async () =>
      (await cluster.store.query<AddressRequest>('requests', { 'requester.id': dave.aadObjectId })).filter(
        (r) => names.includes(r.accountName),
      );
    await pollUntil(
      async () => (await requests()).filter((r) => r.delivery).length === names.length,
      'cards delivered',
      60_000,
    );
    const ids = (await requests()).map((r) => r.requestId);

    cluster.connector.latencyMs = 1_500; // Teams slow: the follow-up of each decision is in flight
    const answers = await Promise.all(
      ids.flatMap((id) => [click(0, frank, 'request.approve', id), click(1, carol, 'request.reject', id)]),
    );
    await cluster.kill(0); // whatever instance 0 decided, its follow-up is cut off
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));

    await cluster.explained(() =>
      pollUntil(
        async () => (await requests()).every((r) => !r.workPending && r.state !== 'approved'),
        'every outcome carried out',
        90_000,
      ),
    );
    cluster.connector.latencyMs = 0;
    const audit = new AuditLog(cluster.store, new ManualClock());
    for (const request of await requests()) {
      const id = request.requestId;
      // One decision, by whoever clicked first; the other click was told who decided.
      expect(['fulfilled', 'rejected']).toContain(request.state);
      const decisions = (await audit.about(id)).filter((e) =>
        /^request\.(approved|rejected)$/.test(e.action),
      );
      expect(decisions).toHaveLength(1);
      const [fromFrank, fromCarol] = [answers[ids.indexOf(id) * 2], answers[ids.indexOf(id) * 2 + 1]];
      const loser = request.state === 'fulfilled' ? fromCarol : fromFrank;
      expect(invokeCardText(loser.body)).toMatch(/Already decided/);
      // Dave hears the outcome once: the address, or the rejection.
      const told = cluster.connector
        .sentMessages()
        .filter(
          (c) =>
            c.conversationId === personalConversationId(dave) &&
            JSON.stringify(c.body).includes(id) &&
            /is ready|was rejected/.test(JSON.stringify(c.body)),
        );
      expect(told).toHaveLength(1);
    }
  }, 240_000);
});
