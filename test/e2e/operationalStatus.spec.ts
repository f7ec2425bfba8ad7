import { person } from '../../src/domain/permissions';
import type { AddressRecord } from '../../src/domain/addressRecords';
import {
  channelMessage,
  ONCALL_CHANNEL_ID,
  personalConversationId,
  personalMessage,
  TEAM_ID,
} from '../support/activities';
import { poolCsv } from '../support/addressFixtures';
import { FakeGraph } from '../support/fakeGraph';
import { FakeGraphMailbox } from '../support/fakeGraphMailbox';
import { POOL_ADDRESS, readFixture } from '../support/mailFixtures';
import { startTestApp, TestApp, textOf } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { users } from '../support/users';

const MAILBOX = 'rootmail@contoso.com';
const CLIENT_STATE = 'status-test-client-state';

describe.each(['embedded', 'cosmos'] as const)(
  'status and /healthz report the five figures (%s store)',
  (store) => {
    let t: TestApp;
    let graph: FakeGraph;
    let mailbox: FakeGraphMailbox;
    let issuer: TokenIssuer;
    const figures = async () =>
      t.request(
        'GET',
        '/api/v1/status',
        undefined,
        await issuer.bearer({ oid: 'monitor', roles: ['Addresses.Read'] }),
      );

    const alertsPosted = () =>
      t.connector
        .of('createConversation')
        .filter(
          (c) =>
            c.body?.channelData?.channel?.id === ONCALL_CHANNEL_ID &&
            /Renewing the Microsoft Graph/.test(textOf(c.body)),
        );

    beforeAll(async () => {
      graph = new FakeGraph();
      await graph.start();
      graph.addUser({
        id: users.bob.aadObjectId,
        displayName: users.bob.name,
        userPrincipalName: users.bob.upn,
      });
      graph.addUser({
        id: users.alice.aadObjectId,
        displayName: users.alice.name,
        userPrincipalName: users.alice.upn,
        managerId: users.bob.aadObjectId,
      });
      mailbox = new FakeGraphMailbox(graph, MAILBOX);
      issuer = await new TokenIssuer().start();
      t = await startTestApp({
        store,
        env: {
          ...issuer.env(),
          GRAPH_BASE_URL: graph.baseUrl,
          MAILBOX,
          PUBLIC_BASE_URL: 'https://rootmail.contoso.com',
          GRAPH_CLIENT_STATE: CLIENT_STATE,
          ADMIN_IDS: users.carol.aadObjectId,
          WEBSITE_INSTANCE_ID: 'f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f',
        },
      });
      await t.send(channelMessage(t.connector.url, users.carol, 'setup oncall'));
      t.connector.addMembers(TEAM_ID, users.dave.aadObjectId);
      await t.app.services.pool.importCsv(poolCsv(2, 10), person('setup', 'test setup', true));
      await t.app.runJobs(); // creates the Graph subscription
    });
    afterAll(async () => {
      await t?.close();
      await graph?.stop();
      await issuer?.stop();
    });

    it('/healthz answers readiness from memory, and names no mailbox and no count', async () => {
      const health = await t.request('GET', '/healthz');
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ status: 'ok', store: { kind: store, reachable: true } });
      expect(JSON.stringify(health.body)).not.toMatch(/pool-1|mailbox|pending|free/i);
      // Which of several instances behind App Service's load balancer answered.
      expect(health.body.instance).toBe('f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f');
    });

    it('starts with a subscription, a full pool, nothing pending and no mail', async () => {
      const health = await figures();
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({
        store: { kind: store, reachable: true },
        subscription: { configured: true },
        pool: { strategy: 'pool', free: 20, low: false },
        pendingApprovals: 0,
        warnings: [],
      });
      expect(health.body.subscription.hoursLeft).toBeGreaterThan(160);
      expect(health.body.pool.mailboxes).toEqual([
        { mailbox: 'pool-1@contoso.com', capacity: 300, free: 10, assigned: 0, quarantined: 0 },
        { mailbox: 'pool-2@contoso.com', capacity: 300, free: 10, assigned: 0, quarantined: 0 },
      ]);
      expect(health.body.lastRelayedMail).toBeUndefined();
    });

    it('counts a pending approval and shows the last relayed mail', async () => {
      await t.send(personalMessage(t.connector.url, users.alice, 'request payments-prod prod card payments'));
      const record: AddressRecord = {
        address: POOL_ADDRESS,
        mailbox: 'pool-1@contoso.com',
        strategy: 'pool',
        state: 'assigned',
        accountName: 'payments-sandbox',
        owner: { id: users.alice.aadObjectId, upn: users.alice.upn, name: users.alice.name },
        history: [],
      };
      await t.app.store.create('addresses', POOL_ADDRESS, record);
      const id = mailbox.deliver(readFixture('verification-code.eml'), t.clock.now().toISOString());
      expect((await t.request('POST', '/api/graph/notifications', mailbox.notification([id]))).status).toBe(
        202,
      );
      await t.connector.waitFor(() =>
        t.connector
          .of('createConversation')
          .some(
            (c) =>
              c.body?.channelData?.channel?.id === ONCALL_CHANNEL_ID && /verification/i.test(textOf(c.body)),
          ),
      );
      await t.app.idle();

      const health = await figures();
      expect(health.body.pendingApprovals).toBe(1);
      expect(health.body.lastRelayedMail).toMatchObject({
        mailClass: 'secret',
        kind: 'Sign-up verification code',
        accountName: 'payments-sandbox',
      });
      expect(health.body.mails).toMatchObject({ since: '2025-12-26', days: 7 });
      const byClass = Object.fromEntries(
        health.body.mails.classes.map((c: { class: string }) => [c.class, c]),
      );
      expect(Object.keys(byClass)).toEqual([
        'secret',
        'security',
        'account-billing',
        'service-notice',
        'noise',
        'not-aws',
        'suspicious',
        'aws-other',
      ]);
      expect(byClass.secret).toEqual({
        class: 'secret',
        rule: 'oncall-secret',
        arrived: 1,
        went: { 'oncall-secret': 1 },
      });
      expect(byClass.security).toEqual({ class: 'security', rule: 'oncall-urgent', arrived: 0, went: {} });
    });

    it('answers `status` for admins with the same figures, and refuses others', async () => {
      t.connector.clear();
      await t.send(personalMessage(t.connector.url, users.carol, 'status'));
      const [reply] = t.connector.of('reply', personalConversationId(users.carol));
      const text = textOf(reply.body);
      expect(text).toMatch(/all good/);
      expect(text).toMatch(/Answered by\nf0e1d2c3b4a5968778695a4b3c2d1e0f/);
      expect(text).toMatch(/embedded|Cosmos DB/);
      expect(text).toMatch(/expires .* \(\d+(\.\d)? h left\)/);
      expect(text).toMatch(/pool-1@contoso\.com/);
      expect(text).toMatch(/10 free, 0 assigned/);
      expect(text).toMatch(/Sign-up verification code for payments-sandbox/);
      expect(text).toMatch(/Mail since 2025-12-26 \(7 days\)/);
      const mailFacts = reply.body.attachments[0].content.body.find(
        (b: { type: string; facts?: { title: string }[] }) =>
          b.type === 'FactSet' && b.facts?.some((f) => f.title === 'Codes and links'),
      );
      expect(mailFacts.facts).toEqual(
        expect.arrayContaining([
          { title: 'Codes and links', value: '1: 1 on-call (masked)' },
          { title: 'Security', value: 'none' },
        ]),
      );
      expect(reply.body.attachments[0].content.body[1].facts[2]).toEqual({
        title: 'Pending approvals',
        value: '1',
      });

      t.connector.clear();
      await t.send(personalMessage(t.connector.url, users.eve, 'status'));
      expect(t.connector.of('reply')[0].body.text).toMatch(/for admins/);
    });

    it('alerts the on-call channel once when renewal fails, reports it, and clears when it works again', async () => {
      mailbox.failRenewals = true;
      t.clock.advanceHours(24 * 5); // inside the renewal window
      t.connector.clear();
      await t.app.runJobs();
      await t.app.runJobs(); // still failing: no second alert
      expect(alertsPosted()).toHaveLength(1);

      const degraded = await t.request('GET', '/healthz');
      expect(degraded.status).toBe(200);
      expect(degraded.body.status).toBe('degraded');
      const failing = await figures();
      expect(failing.body.subscription.renewalFailingSince).toBeDefined();
      expect(failing.body.warnings.join(' ')).toMatch(/renewal failing/);

      mailbox.failRenewals = false;
      await t.app.runJobs();
      const healthy = await figures();
      expect(healthy.body.subscription.renewalFailingSince).toBeUndefined();
      expect(healthy.body.subscription.hoursLeft).toBeGreaterThan(160);

      mailbox.failRenewals = true;
      t.clock.advanceHours(24 * 5);
      await t.app.runJobs();
      expect(alertsPosted()).toHaveLength(2); // a new failure is told again
      mailbox.failRenewals = false;
    });

    it('counts mail over the last 7 days only', async () => {
      // The clock is ten days past the mail now.
      const later = await figures();
      expect(later.body.mails.since).toBe('2026-01-05');
      expect(later.body.mails.classes.find((c: { class: string }) => c.class === 'secret')).toMatchObject({
        arrived: 0,
        went: {},
      });
    });
  },
);
