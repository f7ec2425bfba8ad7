import { person } from '../../src/domain/permissions';
import {
  APPROVALS_CHANNEL_ID,
  BOT,
  channelMessage,
  installedForUser,
  personalConversationId,
  personalMessage,
} from '../support/activities';
import { poolCsv } from '../support/addressFixtures';
import type { FakeGraph } from '../support/fakeGraph';
import { askFor, click, sentTo, startDirectory } from '../support/requestFlow';
import { startTestApp, TestApp, textOf } from '../support/testApp';
import { users } from '../support/users';

const { alice, bob, carol, eve, frank } = users;
const TEAMS_APP = 'a4a3f0c1-0000-4000-8000-00000000beef';

/**
 * Approval cards that could not reach anyone are not lost: they go out when an admin sets up the approvals
 * channel, or when the approver first installs the app or writes to the bot; optionally the app is installed
 * for the approver through Graph. And the first contact with someone is welcomed, once.
 */
describe('delivering approvals that could not be delivered', () => {
  let t: TestApp;
  let graph: FakeGraph;
  const approvalsTo = (user: typeof bob) =>
    sentTo(t, personalConversationId(user)).filter((c) =>
      /asks for a root e-mail address/.test(textOf(c.body)),
    );
  const welcomesTo = (user: typeof bob) =>
    sentTo(t, personalConversationId(user)).filter((c) => /Welcome to RootMail/.test(textOf(c.body)));

  beforeAll(async () => {
    graph = await startDirectory();
    t = await startTestApp({ env: { GRAPH_BASE_URL: graph.baseUrl, ADMIN_IDS: carol.aadObjectId } });
    await t.app.services.pool.importCsv(poolCsv(1, 5), person(carol.aadObjectId, carol.name, true));
    // Teams refuses to open a 1:1 chat with Bob: the app is not installed for him.
    t.connector.personalChatRefused.add(bob.aadObjectId);
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });
  beforeEach(() => t.connector.clear());

  it('goes to the approvals channel when an admin sets it up', async () => {
    const requestId = await askFor(t, alice, 'request waits-for-channel');
    expect(await t.app.services.requests.get(requestId)).toMatchObject({ delivery: 'undelivered' });
    expect(textOf(t.connector.of('update', personalConversationId(alice)).at(-1)?.body)).toMatch(
      /could not reach Bob Manager in a personal chat and no approvals channel is set up/,
    );

    t.connector.clear();
    await t.send(
      channelMessage(t.connector.url, carol, 'setup approvals', { channelId: APPROVALS_CHANNEL_ID }),
    );
    const [thread] = t.connector.of('createConversation').filter((c) => c.body?.activity);
    expect(thread.body.channelData.channel.id).toBe(APPROVALS_CHANNEL_ID);
    expect(textOf(thread.body)).toMatch(/waits-for-channel[\s\S]*Approve[\s\S]*Reject/);
    expect(await t.app.services.requests.get(requestId)).toMatchObject({ delivery: 'channel' });
    expect(textOf(t.connector.of('update', personalConversationId(alice)).at(-1)?.body)).toMatch(
      /posted in the approvals channel/,
    );
    await t.app.services.requests.cancel(requestId, person(alice.aadObjectId, alice.name));
  });

  it("goes to the approver's personal chat when they first install the app; welcomed once", async () => {
    // A fresh instance: no approvals channel. Frank (APPROVER_IDS) cannot be reached either.
    const fresh = await startTestApp({
      env: { GRAPH_BASE_URL: graph.baseUrl, ADMIN_IDS: carol.aadObjectId, APPROVER_IDS: frank.aadObjectId },
    });
    try {
      await fresh.app.services.pool.importCsv(poolCsv(1, 5), person(carol.aadObjectId, carol.name, true));
      fresh.connector.personalChatRefused.add(bob.aadObjectId);
      fresh.connector.personalChatRefused.add(frank.aadObjectId);
      const requestId = await askFor(fresh, alice, 'request waits-for-bob');
      const forFrank = await askFor(fresh, eve, 'request waits-for-frank'); // Eve has no manager
      expect(await fresh.app.services.requests.get(requestId)).toMatchObject({ delivery: 'undelivered' });
      fresh.connector.clear();

      // Bob installs the app: Teams sends installationUpdate (and, as the Playground does, a conversationUpdate).
      await fresh.send(installedForUser(fresh.connector.url, bob));
      const sent = sentTo(fresh, personalConversationId(bob)).map((c) => textOf(c.body));
      expect(sent[0]).toMatch(/Welcome to RootMail, Bob Manager[\s\S]*request[\s\S]*whois[\s\S]*help/);
      expect(sent[0]).not.toMatch(/You are an admin/);
      expect(sent[1]).toMatch(/Alice Requester asks for a root e-mail address[\s\S]*waits-for-bob/);
      expect(await fresh.app.services.requests.get(requestId)).toMatchObject({ delivery: 'personal' });
      expect(textOf(fresh.connector.of('update', personalConversationId(alice)).at(-1)?.body)).toMatch(
        /Sent to Bob Manager for approval/,
      );
      // Only the requests Bob decides: Frank's stays undelivered until Frank turns up.
      expect(await fresh.app.services.requests.get(forFrank)).toMatchObject({ delivery: 'undelivered' });

      // Install events repeat (every Playground reload, app updates): nothing is sent twice.
      fresh.connector.clear();
      await fresh.send(installedForUser(fresh.connector.url, bob));
      await fresh.send(personalMessage(fresh.connector.url, bob, 'list pending'));
      expect(sentTo(fresh, personalConversationId(bob)).map((c) => textOf(c.body))).toEqual([
        expect.stringMatching(/waits-for-bob \(nonprod\) for Alice Requester, waiting for you/),
      ]);

      // And Bob decides from there.
      await click(fresh, bob, 'request.approve', requestId);
      expect(await fresh.app.services.requests.get(requestId)).toMatchObject({ state: 'fulfilled' });
    } finally {
      await fresh.close();
    }
  });

  it('goes out when the approver first writes to the bot (no install event seen)', async () => {
    const fresh = await startTestApp({ env: { GRAPH_BASE_URL: graph.baseUrl } });
    try {
      fresh.connector.personalChatRefused.add(bob.aadObjectId);
      const requestId = await askFor(fresh, alice, 'request first-words');
      expect(await fresh.app.services.requests.get(requestId)).toMatchObject({ delivery: 'undelivered' });
      fresh.connector.clear();
      await fresh.send(personalMessage(fresh.connector.url, bob, 'hello'));
      const sent = sentTo(fresh, personalConversationId(bob)).map((c) => textOf(c.body));
      expect(sent[0]).toMatch(/Show what I can do/); // his message is answered first
      expect(sent[1]).toMatch(/asks for a root e-mail address[\s\S]*first-words/);
      expect(await fresh.app.services.requests.get(requestId)).toMatchObject({ delivery: 'personal' });
    } finally {
      await fresh.close();
    }
  });

  it('welcomes each person once, whatever install events repeat', async () => {
    t.connector.clear();
    // The Agents Playground's install events carry no name: the welcome takes it from the directory.
    const withoutName = installedForUser(t.connector.url, carol);
    delete withoutName.from.name;
    await t.send(withoutName);
    await t.send(installedForUser(t.connector.url, carol));
    // The Playground also sends conversationUpdate (membersAdded: the bot) with each install.
    await t.send({
      ...installedForUser(t.connector.url, carol),
      type: 'conversationUpdate',
      action: undefined,
      membersAdded: [{ id: BOT.id }],
    });
    const welcomes = welcomesTo(carol);
    expect(welcomes).toHaveLength(1);
    expect(textOf(welcomes[0].body)).toMatch(/^Welcome to RootMail, Carol Admin\n/);
    expect(textOf(welcomes[0].body)).toMatch(
      /You are an admin: @mention me in a team channel with setup oncall/,
    );
    expect(approvalsTo(carol)).toEqual([]);
  });
});

describe('installing the app for an approver through Graph (INSTALL_APP_FOR_APPROVERS)', () => {
  let t: TestApp;
  let graph: FakeGraph;

  beforeAll(async () => {
    graph = await startDirectory();
    t = await startTestApp({
      env: {
        GRAPH_BASE_URL: graph.baseUrl,
        INSTALL_APP_FOR_APPROVERS: 'true',
        TEAMS_APP_CATALOG_ID: TEAMS_APP,
      },
    });
    await t.app.services.pool.importCsv(poolCsv(1, 5), person(carol.aadObjectId, carol.name, true));
    t.connector.personalChatRefused.add(bob.aadObjectId);
    // Once the app is installed for someone, Teams lets the bot open a 1:1 chat with them.
    graph.onAppInstalled = (userId) => t.connector.personalChatRefused.delete(userId);
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  it('installs the app for the manager the bot cannot reach, then delivers the card there', async () => {
    const requestId = await askFor(t, alice, 'request installs-app');
    const [install] = graph.of('POST', /^\/users\/[^/]+\/teamwork\/installedApps$/);
    expect(decodeURIComponent(install.path)).toBe(`/users/${bob.aadObjectId}/teamwork/installedApps`);
    expect(install.body).toEqual({
      'teamsApp@odata.bind': `${graph.baseUrl}/appCatalogs/teamsApps/${TEAMS_APP}`,
    });
    expect(await t.app.services.requests.get(requestId)).toMatchObject({ delivery: 'personal' });
    expect(
      sentTo(t, personalConversationId(bob))
        .map((c) => textOf(c.body))
        .join('\n'),
    ).toMatch(/installs-app/);
    expect((await t.app.services.audit.about(`user:${bob.aadObjectId}`)).map((e) => e.action)).toEqual([
      'app.installed-for-user',
    ]);
  });

  it('falls back as before when Teams still refuses after the installation (already installed: 409)', async () => {
    t.connector.personalChatRefused.add(bob.aadObjectId); // installed, yet the chat cannot be opened yet
    const requestId = await askFor(t, alice, 'request still-refused');
    expect(graph.of('POST', /installedApps$/)).toHaveLength(2);
    expect(await t.app.services.requests.get(requestId)).toMatchObject({ delivery: 'undelivered' });
    expect(t.logs.some((l) => /Teams app installed for a user/.test(l) && /already-installed/.test(l))).toBe(
      true,
    );
  });
});
