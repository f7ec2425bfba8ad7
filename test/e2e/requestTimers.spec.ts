import { channelMessage, personalConversationId } from '../support/activities';
import type { FakeGraph } from '../support/fakeGraph';
import { askFor, click, invokeCardText, sentTo, startDirectory } from '../support/requestFlow';
import { startTestApp, TestApp, TestAppOptions, textOf } from '../support/testApp';
import { users } from '../support/users';

const { alice, bob } = users;

describe.each(['embedded', 'cosmos'] as const)('request timers and restarts (%s store)', (store) => {
  let graph: FakeGraph;
  const env = () => ({
    GRAPH_BASE_URL: graph.baseUrl,
    ADDRESS_STRATEGY: 'plus',
    PLUS_ADDRESS: 'aws@contoso.com',
    REMINDER_HOURS: '24',
    EXPIRY_HOURS: '72',
  });
  /** Another app instance (or a restart) over the same store, connector and clock as `t`. */
  const sibling = (t: TestApp, options: TestAppOptions = {}) =>
    startTestApp({
      store,
      env: env(),
      dataDir: t.dataDir,
      cosmos: t.cosmos,
      connector: t.connector,
      clock: t.clock,
      ...options,
    });
  beforeAll(async () => {
    graph = await startDirectory();
  });
  afterAll(async () => graph.stop());

  it('reminds the approver once after REMINDER_HOURS and expires after EXPIRY_HOURS, telling the requester', async () => {
    const t = await startTestApp({ store, env: env() });
    try {
      const requestId = await askFor(t, alice, 'request slow-decider');
      t.connector.clear();
      t.clock.advanceHours(23.5);
      await t.app.runJobs();
      expect(sentTo(t, personalConversationId(bob))).toHaveLength(0);

      t.clock.advanceHours(0.5);
      await t.app.runJobs();
      await t.app.runJobs();
      const reminders = sentTo(t, personalConversationId(bob));
      expect(reminders).toHaveLength(1);
      expect(reminders[0].body.text).toMatch(
        new RegExp(
          `Reminder: Alice Requester's request ${requestId} for slow-decider is waiting for your decision; it expires at 2026-01-04 09:00 UTC`,
        ),
      );

      const reminderCard = reminders[0].activityId;
      t.connector.clear();
      t.clock.advanceHours(48);
      await t.app.runJobs();
      expect(await t.app.services.requests.get(requestId)).toMatchObject({
        state: 'expired',
        workPending: false,
      });
      expect(
        sentTo(t, personalConversationId(alice))
          .map((c) => c.body.text)
          .join('\n'),
      ).toMatch(/expired: nobody decided within the time allowed/);
      expect(textOf(t.connector.of('update', personalConversationId(bob))[0].body)).toMatch(
        /Expired at 2026-01-04 09:00 UTC/,
      );
      // The reminder's copy of the card is updated too, so no stale buttons are left behind.
      expect(t.connector.of('update').map((u) => u.activityId)).toContain(reminderCard);
      const late = await click(t, bob, 'request.approve', requestId);
      expect(invokeCardText(late.body)).toMatch(/Already decided/);
      const audit = (await t.app.services.audit.about(requestId)).map((e) => e.action);
      expect(audit).toEqual(['request.created', 'request.reminded', 'request.expired']);
      // The account name is free again.
      await askFor(t, alice, 'request slow-decider');
    } finally {
      await t.close();
    }
  });

  it('two app instances sharing one store, running their jobs at once, send exactly one reminder', async () => {
    const first = await startTestApp({ store, env: env() });
    const second = await sibling(first);
    try {
      const requestId = await askFor(first, alice, 'request shared-store');
      first.connector.clear();
      first.clock.advanceHours(25);
      await Promise.all([first.app.runJobs(), second.app.runJobs()]);
      await Promise.all([second.app.runJobs(), first.app.runJobs()]);
      expect(
        sentTo(first, personalConversationId(bob)).filter((c) => /Reminder/.test(c.body.text)),
      ).toHaveLength(1);
      const reminded = (await first.app.services.audit.about(requestId)).filter(
        (e) => e.action === 'request.reminded',
      );
      expect(reminded).toHaveLength(1);
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('a stop between the stored approval and the allocation: the next start completes it exactly once', async () => {
    const first = await startTestApp({ store, env: env() });
    const requestId = await askFor(first, alice, 'request crash-course');
    await first.stopApp();

    // This instance stores the decision and stops before any of the work after it.
    const stopping = await sibling(first, { overrides: { deferRequestWork: true } });
    first.connector.clear();
    const res = await click(stopping, bob, 'request.approve', requestId);
    expect(invokeCardText(res.body)).toMatch(/Approved by Bob Manager/);
    expect(await stopping.app.services.requests.get(requestId)).toMatchObject({
      state: 'approved',
      steps: ['update-cards', 'allocate'],
    });
    expect(await stopping.app.store.count('addresses', { requestId })).toBe(0);
    await stopping.stopApp();
    expect(first.connector.sentMessages()).toHaveLength(0);

    const restarted = await sibling(first);
    try {
      const resultCards = () =>
        sentTo(restarted, personalConversationId(alice)).filter((c) => /is ready/.test(textOf(c.body)));
      await restarted.app.idle(); // the resume at start runs as tracked background work
      await restarted.app.runJobs(); // the periodic job finds nothing left to do
      await restarted.app.runJobs();
      expect(resultCards()).toHaveLength(1);
      expect(textOf(resultCards()[0].body)).toContain('aws+crash-course@contoso.com');
      expect(await restarted.app.store.count('addresses', { requestId })).toBe(1);
      expect(await restarted.app.services.requests.get(requestId)).toMatchObject({
        state: 'fulfilled',
        workPending: false,
      });
      // Bob's and Alice's cards were updated once each.
      expect(
        restarted.connector
          .of('update')
          .map((u) => u.conversationId)
          .sort(),
      ).toEqual([personalConversationId(alice), personalConversationId(bob)].sort());
      const allocated = (await restarted.app.services.audit.about(requestId)).filter(
        (e) => e.action === 'request.allocated',
      );
      expect(allocated).toHaveLength(1);
    } finally {
      await restarted.close();
      await stopping.close();
      await first.close();
    }
  });
});

describe('work that fails is retried by the job once its claim lapses (embedded store)', () => {
  it('a capacity alert nobody could receive goes to the on-call channel once one is set up', async () => {
    const graph = await startDirectory();
    const t = await startTestApp({
      env: { GRAPH_BASE_URL: graph.baseUrl, ADMIN_IDS: users.carol.aadObjectId, ADDRESS_STRATEGY: 'pool' },
    });
    try {
      t.connector.personalChatRefused.add(users.carol.aadObjectId);
      const requestId = await askFor(t, alice, 'request no-capacity');
      await click(t, bob, 'request.approve', requestId);
      // The pool is empty and the only admin cannot be reached: the alert stays pending, claimed for a while;
      // the requester is told anyway.
      expect(await t.app.services.requests.get(requestId)).toMatchObject({
        state: 'waiting-for-capacity',
        steps: ['alert-capacity'],
      });
      expect(t.logs.some((l) => l.includes('request step failed'))).toBe(true);
      expect(
        sentTo(t, personalConversationId(alice))
          .map((c) => c.body.text)
          .join('\n'),
      ).toMatch(/pool is empty/);

      await t.send(channelMessage(t.connector.url, users.carol, 'setup oncall'));
      t.connector.clear();
      await t.app.runJobs(); // still claimed by the failed attempt
      expect(t.connector.calls).toHaveLength(0);

      t.clock.advanceMinutes(6);
      await t.app.runJobs();
      const alerts = t.connector
        .of('createConversation')
        .filter((c) => /address pool is empty/.test(textOf(c.body.activity)));
      expect(alerts).toHaveLength(1);
      expect(await t.app.services.requests.get(requestId)).toMatchObject({ steps: [], workPending: false });
      await t.app.runJobs();
      expect(t.connector.of('createConversation').filter((c) => c.body.activity)).toHaveLength(1);
    } finally {
      await t.close();
      await graph.stop();
    }
  });
});
