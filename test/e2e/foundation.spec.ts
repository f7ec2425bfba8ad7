import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  botAddedToTeam,
  channelMessage,
  installedForUser,
  personalConversationId,
  personalMessage,
  cardAction,
  TEAM_ID,
} from '../support/activities';
import { cardOf, startTestApp, TestApp, textOf } from '../support/testApp';
import { users } from '../support/users';

describe.each(['embedded', 'cosmos'] as const)('foundation over real HTTP (%s store)', (store) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ store });
  });
  afterAll(async () => t.close());
  beforeEach(() => t.connector.clear());

  it('reports health as JSON with the store kind and the instance (outside App Service: the host)', async () => {
    const res = await t.request('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', store: { kind: store, reachable: true } });
    expect(typeof res.body.version).toBe('string');
    expect(typeof res.body.uptimeSeconds).toBe('number');
    expect(res.body.instance).toBe(hostname());
  });

  it("answers the Agents Playground's HEAD probe of the bot endpoint without a warning", async () => {
    const before = t.logs.length;
    const res = await t.request('HEAD', '/api/messages');
    expect(res.status).toBe(200);
    expect(t.logs.slice(before).filter((l) => l.includes('"warn"'))).toEqual([]);
  });

  it('answers help in a personal chat with a card listing the commands, at the serviceUrl', async () => {
    const res = await t.send(personalMessage(t.connector.url, users.alice, 'help'));
    expect(res.status).toBe(200);
    const [reply] = t.connector.of('reply', personalConversationId(users.alice));
    expect(reply).toBeDefined();
    const card = cardOf(reply.body);
    expect(card.type).toBe('AdaptiveCard');
    expect(textOf(reply.body)).toMatch(/help/);
    // placeholders survive Teams' HTML sanitising: no `<address>`-like tags in the card
    expect(textOf(reply.body)).toContain('link ‹address | account name› ‹aws-account-id›');
    expect(JSON.stringify(card)).not.toMatch(/<[a-z-]+>/);
  });

  it('treats commands case-insensitively', async () => {
    await t.send(personalMessage(t.connector.url, users.alice, 'HELP'));
    expect(cardOf(t.connector.of('reply')[0].body)).toBeDefined();
  });

  it('answers unknown text with a one-line hint to type help', async () => {
    await t.send(personalMessage(t.connector.url, users.alice, 'make me a sandwich'));
    const [reply] = t.connector.of('reply');
    expect(reply.body.text).toMatch(/type `help`/i);
    expect(reply.body.text.split('\n')).toHaveLength(1);
  });

  it('answers in a channel only when @mentioned, with the mention stripped', async () => {
    await t.send(channelMessage(t.connector.url, users.alice, 'help', { mention: false }));
    expect(t.connector.sentMessages()).toHaveLength(0);
    await t.send(channelMessage(t.connector.url, users.alice, 'help'));
    const [reply] = t.connector.of('reply');
    expect(cardOf(reply.body)?.type).toBe('AdaptiveCard');
  });

  it('parses the real captured channel-mention fixture and ignores a thread reply without mention', async () => {
    const mention = JSON.parse(
      readFileSync(path.join(__dirname, '../fixtures/teams/b_channel_mention.json'), 'utf8'),
    );
    await t.send({ ...mention, serviceUrl: t.connector.url, text: '<at>Chat SDK Demo</at> help' });
    expect(cardOf(t.connector.of('reply')[0]?.body)).toBeDefined();
    t.connector.clear();
    const reply = JSON.parse(
      readFileSync(
        path.join(__dirname, '../fixtures/teams/h_channel_thread_reply_without_mention.json'),
        'utf8',
      ),
    );
    const res = await t.send({ ...reply, serviceUrl: t.connector.url });
    expect(res.status).toBe(200);
    expect(t.connector.sentMessages()).toHaveLength(0);
  });

  it('stores the conversation reference when installed in a team and for a user', async () => {
    await t.send(botAddedToTeam(t.connector.url, users.carol));
    const team = await t.app.store.get('conversations', TEAM_ID);
    expect(team).toMatchObject({ kind: 'channel', teamId: TEAM_ID, serviceUrl: t.connector.url });
    await t.send(installedForUser(t.connector.url, users.dave));
    const personal = await t.app.services.conversations.personalChatOf(users.dave.aadObjectId);
    expect(personal).toMatchObject({
      kind: 'personal',
      userId: users.dave.aadObjectId,
      serviceUrl: t.connector.url,
    });
  });

  it('answers an unknown card verb with a 400 error invoke response', async () => {
    const res = await t.send(cardAction(t.connector.url, users.alice, 'no.such.verb'));
    // botbuilder puts the invoke response's statusCode on the HTTP answer too.
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error' });
    expect(res.body.value.message).toMatch(/not one I know/);
  });

  it('turns bad requests into clear JSON errors and keeps serving', async () => {
    const malformed = await t.request('POST', '/api/messages', '{"type": "message",', {
      'content-type': 'application/json',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(malformed.body.detail).toMatch(/not valid JSON/);

    const big = await t.request('POST', '/api/messages', { type: 'message', text: 'x'.repeat(300 * 1024) });
    expect(big.status).toBe(413);
    expect(big.body.detail).toMatch(/256 KB/);

    const untyped = await t.request('POST', '/api/messages', { text: 'help' });
    expect(untyped.status).toBe(400);
    expect(untyped.body.detail).toMatch(/no "type"/);

    const unknown = await t.request('GET', '/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ status: 404, title: 'Not Found' });

    expect(t.logs.some((l) => l.includes('"status":413'))).toBe(true);
    expect((await t.request('GET', '/healthz')).status).toBe(200);
  });
});

describe('setup of the on-call and approvals channels', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ADMIN_IDS: users.carol.aadObjectId } });
  });
  afterAll(async () => t.close());
  beforeEach(() => t.connector.clear());

  it('lets an admin make a channel the on-call channel and audits it', async () => {
    await t.send(channelMessage(t.connector.url, users.carol, 'setup oncall'));
    expect(t.connector.of('reply')[0].body.text).toMatch(/this is now the oncall channel/);
    const setting = await t.app.services.conversations.channelFor('oncall');
    expect(setting).toMatchObject({ role: 'oncall', teamId: TEAM_ID, setBy: users.carol.aadObjectId });
    expect(setting?.reference.serviceUrl).toBe(t.connector.url);
    const audit = await t.app.services.audit.about('channel:oncall');
    expect(audit.map((a) => a.action)).toContain('setup');
  });

  it('refuses a non-admin and a personal chat', async () => {
    await t.send(channelMessage(t.connector.url, users.eve, 'setup approvals'));
    expect(t.connector.of('reply')[0].body.text).toMatch(/Only an admin/);
    expect(await t.app.services.conversations.channelFor('approvals')).toBeUndefined();
    await t.send(personalMessage(t.connector.url, users.carol, 'setup approvals'));
    expect(t.connector.of('reply')[1].body.text).toMatch(/in the team channel/);
  });
});
