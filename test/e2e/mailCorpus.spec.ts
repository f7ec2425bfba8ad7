import { readMail } from '../../src/app/mail/readMail';
import { inertText } from '../../src/cards/inertText';
import { CLASS_ROUTING, KIND_LABELS } from '../../src/domain/mailClassification';
import { person } from '../../src/domain/permissions';
import { cardAction, channelMessage, ONCALL_CHANNEL_ID, TEAM_ID } from '../support/activities';
import type { ConnectorCall } from '../support/fakeBotConnector';
import { FakeGraph } from '../support/fakeGraph';
import { FakeGraphMailbox } from '../support/fakeGraphMailbox';
import {
  corpusSecrets,
  LEFT_OWNER_ADDRESS,
  MAIL_FIXTURES,
  MailFixture,
  OTHER_SECRETS,
  PLUS_ADDRESS,
  PLUS_ADDRESS_BASE,
  POOL_ADDRESS,
  readFixture,
} from '../support/mailFixtures';
import { startTestApp, TestApp, textOf } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { TestUser, users } from '../support/users';

/**
 * The table test of issue 11: every sample mail of the corpus, one after the other, through the whole relay over
 * real HTTP — a Graph change notification, the $value fetch from the fake Graph, the relay, the fake Bot
 * Connector — and where it went: the on-call card of its kind, the owner's chat, the daily digest, or recorded
 * only. Trusted secrets are revealable through the Reveal invoke; nothing else is. No code or link of the corpus
 * reaches a log line.
 */
const MAILBOX = 'rootmail@contoso.com';
const CLIENT_STATE = 'corpus-client-state';
/** Owns the address whose mails find an owner who has left: the fake directory does not know him. */
const leaver: TestUser = {
  aadObjectId: '00000000-0000-0000-0000-000000000099',
  name: 'Lee Left',
  upn: 'lee@contoso.com',
};
const OWNERS: Record<string, TestUser> = {
  [POOL_ADDRESS]: users.alice,
  [PLUS_ADDRESS]: users.bob,
  [LEFT_OWNER_ADDRESS]: leaver,
};
const SECRETS = [...MAIL_FIXTURES.flatMap((f) => (f.secret ? [f.secret] : [])), ...OTHER_SECRETS];

interface Seen {
  fixture: MailFixture;
  mailId: string;
  duplicateOf?: string;
  calls: ConnectorCall[];
}

describe.each(['embedded', 'cosmos'] as const)('every sample mail through the relay (%s store)', (store) => {
  let seeder: TestApp;
  let t: TestApp;
  let graph: FakeGraph;
  let mailbox: FakeGraphMailbox;
  let issuer: TokenIssuer;
  const printed: string[] = [];
  const seen = new Map<string, Seen>();

  const isChannelPost = (c: ConnectorCall) =>
    c.kind === 'createConversation' && c.body?.channelData?.channel?.id === ONCALL_CHANNEL_ID;
  const chatOf = (user: TestUser) => `a:personal-${user.aadObjectId}`;
  const postsTo = (calls: ConnectorCall[], user: TestUser) =>
    calls.filter((c) => (c.kind === 'post' || c.kind === 'reply') && c.conversationId === chatOf(user));
  const cardIn = (call: ConnectorCall) => (call.body.activity ?? call.body).attachments[0].content;
  const verbsOf = (card: { body: { type: string; actions?: { verb?: string }[] }[] }) =>
    card.body.filter((b) => b.type === 'ActionSet').flatMap((b) => (b.actions ?? []).map((a) => a.verb));
  const reveal = (post: ConnectorCall, mailId: string) =>
    t.send(
      cardAction(
        t.connector.url,
        users.dave,
        'mail.reveal',
        { mailId },
        { id: post.conversationId!, conversationType: 'channel' },
        post.activityId,
      ),
    );

  beforeAll(async () => {
    for (const method of ['log', 'info', 'warn', 'error'] as const) {
      jest
        .spyOn(console, method)
        .mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
    }
    graph = new FakeGraph();
    await graph.start();
    for (const user of [users.alice, users.bob, users.carol, users.dave])
      graph.addUser({ id: user.aadObjectId, displayName: user.name, userPrincipalName: user.upn });
    mailbox = new FakeGraphMailbox(graph, MAILBOX);
    issuer = await new TokenIssuer().start();
    const env = {
      ...issuer.env(),
      GRAPH_BASE_URL: graph.baseUrl,
      MAILBOX,
      PUBLIC_BASE_URL: 'https://rootmail.contoso.com',
      GRAPH_CLIENT_STATE: CLIENT_STATE,
      ADMIN_IDS: users.carol.aadObjectId,
      PLUS_ADDRESS: PLUS_ADDRESS_BASE,
    };
    const admin = person(users.carol.aadObjectId, users.carol.name, true);
    const owner = (u: TestUser) => ({ id: u.aadObjectId, upn: u.upn, name: u.name });

    // The plus address was made while the organisation used plus addressing; then it moved to a pool.
    seeder = await startTestApp({ store, env: { ...env, ADDRESS_STRATEGY: 'plus' } });
    const plus = await seeder.app.services.addresses.allocate({
      accountName: 'payments-prod',
      owner: owner(users.bob),
      by: admin,
    });
    expect(plus.address).toBe(PLUS_ADDRESS);
    await seeder.stopApp();

    t = await startTestApp({
      store,
      env,
      dataDir: seeder.dataDir,
      cosmos: seeder.cosmos,
      connector: seeder.connector,
      clock: seeder.clock,
    });
    // One alias at a time, so each allocation gets the alias its samples are addressed to.
    const { pool, addresses } = t.app.services;
    for (const [address, accountName, owns] of [
      [POOL_ADDRESS, 'payments-sandbox', users.alice],
      [LEFT_OWNER_ADDRESS, 'legacy-billing', leaver],
    ] as const) {
      await pool.importCsv(`mailbox,address\naws-pool-01@contoso.com,${address}`, admin);
      const record = await addresses.allocate({ accountName, owner: owner(owns), by: admin });
      expect(record.address).toBe(address);
    }
    await addresses.linkAwsAccount(POOL_ADDRESS, '123456789012', admin);

    await t.send(channelMessage(t.connector.url, users.carol, 'setup oncall'));
    t.connector.addMembers(TEAM_ID, users.dave.aadObjectId);
    await t.app.runJobs(); // the Graph subscription, and the start-up catch-up (an empty inbox)
  });
  afterAll(async () => {
    await t?.close();
    await seeder?.close();
    await graph?.stop();
    await issuer?.stop();
    jest.restoreAllMocks();
  });

  it.each(MAIL_FIXTURES)('$file: $class / $kind, $trust → $destination', async (fixture) => {
    const { mailId } = await readMail(readFixture(fixture.file));
    const duplicateOf = [...seen.values()].find((s) => s.mailId === mailId)?.fixture.file;
    const before = t.connector.calls.length;
    const id = mailbox.deliver(readFixture(fixture.file), t.clock.now().toISOString());
    const res = await t.request('POST', '/api/graph/notifications', mailbox.notification([id]));
    expect(res.status).toBe(202); // and t.request waited for the relay it started
    const calls = t.connector.calls.slice(before);
    seen.set(fixture.file, { fixture, mailId, duplicateOf, calls });

    if (duplicateOf) {
      // The same Message-ID again (another hop): relayed once, under the first sample.
      expect(calls).toEqual([]);
      return;
    }
    const record = await t.app.store.get<Record<string, any>>('mails', mailId);
    expect(record).toMatchObject({
      class: fixture.class,
      kind: fixture.kind,
      trust: fixture.trust,
      routing: CLASS_ROUTING[fixture.class],
      destination: fixture.destination,
    });
    expect(record!.state).not.toBe('ignored');

    const owner = OWNERS[fixture.to];
    const channel = calls.filter(isChannelPost);
    const ownerChat = owner ? postsTo(calls, owner) : [];
    const label = KIND_LABELS[fixture.kind];

    switch (fixture.destination) {
      case 'oncall-secret': {
        expect(channel).toHaveLength(1);
        const card = cardIn(channel[0]);
        expect(textOf({ attachments: [{ content: card }] })).toContain(label);
        expect(verbsOf(card)).toEqual(['mail.reveal', 'mail.claim']);
        const answer = await reveal(channel[0], mailId);
        expect(answer.body.type).toBe('application/vnd.microsoft.card.adaptive');
        expect(JSON.stringify(answer.body.value)).toContain(fixture.secret);
        // The owner is told, without the secret.
        expect(ownerChat).toHaveLength(owner ? 1 : 0);
        if (owner) expect(ownerChat[0].body.text).toContain(label.toLowerCase());
        break;
      }
      case 'oncall-urgent': {
        expect(channel).toHaveLength(1);
        const card = cardIn(channel[0]);
        expect(card.body[0]).toMatchObject({ type: 'Container', style: 'attention' });
        expect(card.body[0].items[0].text).toBe(`Urgent: ${label}`);
        expect(verbsOf(card)).toEqual(['mail.claim']);
        if (owner === leaver) {
          expect(textOf({ attachments: [{ content: card }] })).toMatch(/Lee Left, has left/);
          expect(ownerChat).toEqual([]); // nobody to tell
        } else if (owner) {
          expect(ownerChat).toHaveLength(1);
          expect(ownerChat[0].body.text).toMatch(/security notice/);
        }
        break;
      }
      case 'owner': {
        expect(channel).toEqual([]);
        expect(ownerChat).toHaveLength(1);
        const card = cardIn(ownerChat[0]);
        expect(card.body[0].items[0].text).toContain(label);
        expect(verbsOf(card)).toEqual([]);
        break;
      }
      case 'oncall-if-no-owner': {
        expect(channel).toHaveLength(1);
        const card = cardIn(channel[0]);
        expect(card.body[0]).toMatchObject({ type: 'Container', style: 'warning' });
        expect(textOf({ attachments: [{ content: card }] })).toMatch(
          owner === leaver ? /Lee Left, has left/ : /no owner is recorded/,
        );
        expect(ownerChat).toEqual([]);
        break;
      }
      case 'digest':
        expect(calls).toEqual([]); // waits for the day's digest
        expect(record!.state).toBe('digest-pending');
        break;
      case 'recorded':
        expect(calls).toEqual([]);
        expect(record!.state).toBe('recorded');
        break;
      case 'oncall-warning': {
        expect(channel).toHaveLength(1);
        const card = cardIn(channel[0]);
        const text = textOf({ attachments: [{ content: card }] });
        expect(card.body[0].items[0].text).toBe(`⚠ Suspicious mail that looks like: ${label}`);
        expect(record!.reasons.length).toBeGreaterThan(0);
        for (const reason of record!.reasons) expect(text).toContain(`– ${reason.slice(0, 40)}`);
        // Whether a code or a link was withheld: the sample carries one exactly when the table says so.
        expect(!!record!.withheld).toBe(!!fixture.secret);
        const withheld = record!.withheld ? `a ${record!.withheld}` : 'no code or link';
        expect(text).toContain(`It carried ${withheld}`);
        expect(verbsOf(card)).toEqual(['mail.claim']);
        const answer = await reveal(channel[0], mailId);
        expect(answer.body.value).toMatch(/withheld/);
        expect(ownerChat).toEqual([]);
        break;
      }
      case 'oncall-aws-mail': {
        expect(channel).toHaveLength(1);
        const card = cardIn(channel[0]);
        expect(card.body[0].items[0].text).toBe(inertText(`AWS mail: ${record!.subject}`));
        expect(ownerChat).toHaveLength(owner ? 1 : 0);
        break;
      }
    }
    // Kept for Reveal exactly when trusted; never anywhere a card or a chat shows it.
    const secret = await t.app.store.get<{ value: string }>('secrets', mailId);
    expect(secret?.value).toBe(fixture.trust === 'trusted' ? fixture.secret : undefined);
    expect(JSON.stringify(calls)).not.toContain(fixture.secret ?? '\u0000');
    // Its class and rule are in its history.
    const history = await t.app.services.audit.about(`mail:${mailId}`);
    expect(history.map((e) => e.detail).join('\n')).toContain(
      `(class ${fixture.class}, ${fixture.trust}), rule ${CLASS_ROUTING[fixture.class]}`,
    );
  });

  it('leaves no authenticated AWS mail ignored, and posts nothing a person must see to nobody', () => {
    const relayed = [...seen.values()].filter((s) => !s.duplicateOf);
    expect(relayed).toHaveLength(new Set(MAIL_FIXTURES.map((f) => f.file)).size - 1);
    for (const { fixture } of relayed.filter((s) => s.fixture.trust === 'trusted')) {
      expect({ file: fixture.file, destination: fixture.destination }).toEqual({
        file: fixture.file,
        destination: fixture.class === 'noise' ? 'recorded' : expect.not.stringMatching(/^recorded$/),
      });
    }
  });

  it('counts every class and where it went in GET /api/v1/status', async () => {
    const expected = new Map<string, { arrived: number; went: Record<string, number> }>();
    for (const { fixture } of [...seen.values()].filter((s) => !s.duplicateOf)) {
      const figures = expected.get(fixture.class) ?? { arrived: 0, went: {} };
      figures.arrived++;
      figures.went[fixture.destination] = (figures.went[fixture.destination] ?? 0) + 1;
      expected.set(fixture.class, figures);
    }
    const res = await t.request(
      'GET',
      '/api/v1/status',
      undefined,
      await issuer.bearer({ oid: 'monitor', roles: ['Addresses.Read'] }),
    );
    expect(res.status).toBe(200);
    for (const figures of res.body.mails.classes) {
      expect(figures).toEqual({
        class: figures.class,
        rule: CLASS_ROUTING[figures.class as keyof typeof CLASS_ROUTING],
        ...(expected.get(figures.class) ?? { arrived: 0, went: {} }),
      });
    }
    expect(res.body.mails.classes).toHaveLength(Object.keys(CLASS_ROUTING).length);
  });

  it('posts the daily digest of service notices without an owner once, the next day', async () => {
    const notices = MAIL_FIXTURES.filter((f) => f.destination === 'digest');
    expect(notices.length).toBeGreaterThan(0);
    const digests = () =>
      t.connector.calls.filter(
        (c) => isChannelPost(c) && /AWS service notices of/.test(textOf(c.body.activity)),
      );
    await t.app.runJobs();
    expect(digests()).toEqual([]); // the day is not over yet

    t.clock.advanceHours(24);
    await t.app.runJobs();
    expect(digests()).toHaveLength(1);
    const text = textOf(digests()[0].body.activity);
    expect(text).toContain('AWS service notices of 2026-01-01');
    expect(text).toMatch(new RegExp(`^${notices.length} service notices? from AWS`, 'm'));
    for (const notice of notices) {
      const record = await t.app.store.get<Record<string, any>>('mails', seen.get(notice.file)!.mailId);
      expect(record).toMatchObject({ state: 'digested' });
      expect(text).toContain(inertText(record!.subject));
    }

    t.clock.advanceHours(24); // a day with no notices: nothing
    await t.app.runJobs();
    await t.app.runJobs();
    expect(digests()).toHaveLength(1);
  });

  it('never wrote a code or a link of the corpus to the logs or the console', async () => {
    const secrets = await corpusSecrets();
    expect(secrets.length).toBeGreaterThan(SECRETS.length + 10);
    const lines = [...t.logs, ...seeder.logs, ...printed];
    expect(lines.filter((l) => /mail relayed/.test(l))).toHaveLength(seen.size - 1);
    for (const line of lines) {
      for (const secret of secrets) expect(line).not.toContain(secret);
    }
  });

  it("sends an owner's mail to on-call, or to the digest, when Teams cannot reach the owner", async () => {
    t.connector.personalChatRefused.add(users.alice.aadObjectId);
    t.connector.personalChatRefused.add(users.bob.aadObjectId);
    const again = (file: string) =>
      readFixture(file)
        .toString()
        .replace(/^Message-ID: <(.*)>$/im, 'Message-ID: <again-$1>');
    const before = t.connector.calls.length;
    for (const file of ['invoice-available.eml', 'health-instance-retirement.eml']) {
      const id = mailbox.deliver(again(file), t.clock.now().toISOString());
      expect((await t.request('POST', '/api/graph/notifications', mailbox.notification([id]))).status).toBe(
        202,
      );
    }
    const posts = t.connector.calls.slice(before).filter(isChannelPost);
    expect(posts).toHaveLength(1); // the invoice; the notice waits for its digest
    const card = cardIn(posts[0]);
    expect(card.body[0]).toMatchObject({ style: 'warning' });
    expect(textOf({ attachments: [{ content: card }] })).toMatch(
      /the owner, Bob Manager, could not be reached in Teams, so it comes to on-call/,
    );
    const { mailId } = await readMail(again('health-instance-retirement.eml'));
    expect(await t.app.store.get('mails', mailId)).toMatchObject({
      state: 'digest-pending',
      destination: 'digest',
      ownerStatus: 'unreachable',
    });
  });
});
