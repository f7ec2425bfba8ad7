import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressRecord } from '../../src/domain/addressRecords';
import { cardAction, cardSubmit, channelMessage, ONCALL_CHANNEL_ID, TEAM_ID } from '../support/activities';
import type { ConnectorCall } from '../support/fakeBotConnector';
import { FakeGraph } from '../support/fakeGraph';
import { FakeGraphMailbox } from '../support/fakeGraphMailbox';
import {
  corpusSecrets,
  MAIL_FIXTURES,
  PLUS_ADDRESS,
  PLUS_ADDRESS_BASE,
  POOL_ADDRESS,
  POOL_ADDRESS_RECORD,
  readFixture,
} from '../support/mailFixtures';
import { startTestApp, TestApp, textOf } from '../support/testApp';
import { pollUntil } from '../support/pollUntil';
import { sendSmtp } from '../support/smtpClient';
import { users } from '../support/users';

const MAILBOX = 'rootmail@contoso.com';
const CLIENT_STATE = 'k3Jd9-client-state-for-tests';

const plusRecord: AddressRecord = {
  address: PLUS_ADDRESS,
  mailbox: PLUS_ADDRESS_BASE,
  strategy: 'plus',
  state: 'assigned',
  accountName: 'payments-prod',
  owner: { id: users.bob.aadObjectId, upn: users.bob.upn, name: users.bob.name },
  history: [],
};

/** The channel posts (new threads) the relay made, with their cards. */
function channelPosts(t: TestApp): ConnectorCall[] {
  return t.connector
    .of('createConversation')
    .filter((c) => c.body?.channelData?.channel?.id === ONCALL_CHANNEL_ID);
}
function cardIn(call: ConnectorCall) {
  return (call.body.activity ?? call.body).attachments[0].content;
}
interface CardAction {
  verb?: string;
  fallback?: unknown;
}
function actionsOf(card: { body: { type: string; actions?: CardAction[] }[] }): CardAction[] {
  return card.body.filter((b) => b.type === 'ActionSet').flatMap((b) => b.actions ?? []);
}
function mailIdOf(call: ConnectorCall): string {
  return JSON.stringify(cardIn(call)).match(/"mailId":"([0-9a-f]{64})"/)![1];
}

describe.each(['embedded', 'cosmos'] as const)('mail relay over real HTTP (%s store)', (store) => {
  let t: TestApp;
  let graph: FakeGraph;
  let mailbox: FakeGraphMailbox;
  const printed: string[] = [];

  async function notify(file: string) {
    const id = mailbox.deliver(readFixture(file), t.clock.now().toISOString());
    const res = await t.request('POST', '/api/graph/notifications', mailbox.notification([id]));
    expect(res.status).toBe(202);
    return id;
  }
  async function relayed(file: string): Promise<ConnectorCall> {
    const before = channelPosts(t).length;
    await notify(file);
    await t.connector.waitFor(() => channelPosts(t).length > before);
    return channelPosts(t)[before];
  }
  async function waitForLog(pattern: RegExp, count = 1) {
    await pollUntil(() => t.logs.filter((l) => pattern.test(l)).length >= count, `log line ${pattern}`);
  }
  function click(user: (typeof users)[keyof typeof users], verb: string, post: ConnectorCall) {
    return t.send(
      cardAction(
        t.connector.url,
        user,
        verb,
        { mailId: mailIdOf(post) },
        { id: post.conversationId!, conversationType: 'channel' },
        post.activityId,
      ),
    );
  }

  beforeAll(async () => {
    for (const method of ['log', 'info', 'warn', 'error'] as const) {
      jest
        .spyOn(console, method)
        .mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
    }
    graph = new FakeGraph();
    await graph.start();
    mailbox = new FakeGraphMailbox(graph, MAILBOX);
    t = await startTestApp({
      store,
      env: {
        GRAPH_BASE_URL: graph.baseUrl,
        MAILBOX,
        PUBLIC_BASE_URL: 'https://rootmail.contoso.com',
        GRAPH_CLIENT_STATE: CLIENT_STATE,
        ADMIN_IDS: users.carol.aadObjectId,
        PLUS_ADDRESS: PLUS_ADDRESS_BASE,
      },
    });
    await t.app.store.create('addresses', POOL_ADDRESS, POOL_ADDRESS_RECORD);
    await t.app.store.create('addresses', PLUS_ADDRESS, plusRecord);
    await t.send(channelMessage(t.connector.url, users.carol, 'setup oncall'));
    t.connector.addMembers(TEAM_ID, users.dave.aadObjectId);
    await t.app.runJobs(); // creates the subscription and does the start-up catch-up
  });
  afterAll(async () => {
    await t?.close();
    await graph?.stop();
    jest.restoreAllMocks();
  });

  it('answers the validation handshakes with the token as text/plain', async () => {
    for (const route of ['/api/graph/notifications', '/api/graph/lifecycle']) {
      const res = await t.request(
        'POST',
        `${route}?validationToken=Validation%3a+Testing+client+application`,
        '',
        {
          'content-type': 'text/plain',
        },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(res.body).toBe('Validation: Testing client application');
    }
  });

  it('subscribes to the inbox for created messages, with lifecycle URL and clientState', () => {
    const subscription = mailbox.current()!;
    expect(subscription).toMatchObject({
      changeType: 'created',
      resource: `users/${MAILBOX}/mailFolders('inbox')/messages`,
      notificationUrl: 'https://rootmail.contoso.com/api/graph/notifications',
      lifecycleNotificationUrl: 'https://rootmail.contoso.com/api/graph/lifecycle',
      clientState: CLIENT_STATE,
    });
    const minutes = (Date.parse(subscription.expirationDateTime) - t.clock.now().getTime()) / 60_000;
    expect(minutes).toBeGreaterThan(9_000);
    expect(minutes).toBeLessThanOrEqual(10_070);
  });

  it('posts a verification code for the right account, masked, and tells the owner without the code', async () => {
    const post = await relayed('verification-code.eml');
    const text = textOf(post.body.activity);
    expect(text).toMatch(/Sign-up verification code/);
    expect(text).toContain('payments-sandbox');
    expect(text).toContain('123456789012');
    expect(text).toContain(POOL_ADDRESS);
    expect(text).toContain(users.alice.name);
    expect(text).toContain('••••••');
    expect(JSON.stringify(post.body)).not.toContain('482913');
    expect(actionsOf(cardIn(post)).map((a) => a.verb)).toEqual(['mail.reveal', 'mail.claim']);
    expect(actionsOf(cardIn(post))[0].fallback).toMatchObject({
      type: 'Action.Submit',
      data: { verb: 'mail.reveal' },
    });

    const isNote = (c: ConnectorCall) =>
      c.kind !== 'createConversation' && /payments-sandbox/.test(c.body?.text ?? '');
    await t.connector.waitFor((calls) => calls.some(isNote));
    const note = t.connector.sentMessages().find(isNote)!;
    expect(note.conversationId).toBe(`a:personal-${users.alice.aadObjectId}`);
    expect(note.body.text).not.toContain('482913');
  });

  it('reveals the code to on-call alone, audited, without changing the channel card', async () => {
    const post = channelPosts(t).find((p) => /payments-sandbox/.test(textOf(p.body.activity)))!;
    const updatesBefore = t.connector.of('update').length;
    const res = await click(users.dave, 'mail.reveal', post);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(res.body.value)).toContain('482913');
    expect(t.connector.of('update')).toHaveLength(updatesBefore);
    const audit = await t.app.services.audit.about(`mail:${mailIdOf(post)}`);
    expect(audit.find((a) => a.action === 'mail.reveal')).toMatchObject({ actorId: users.dave.aadObjectId });
    expect(JSON.stringify(audit)).not.toContain('482913');
    const admin = await click(users.carol, 'mail.reveal', post);
    expect(JSON.stringify(admin.body.value)).toContain('482913');
  });

  it('sends the secret to a personal chat when Reveal comes through the Action.Submit fallback', async () => {
    const post = channelPosts(t).find((p) => /payments-sandbox/.test(textOf(p.body.activity)))!;
    const before = t.connector.calls.length;
    const submit = cardSubmit(
      t.connector.url,
      users.dave,
      { verb: 'mail.reveal', mailId: mailIdOf(post) },
      post.activityId!,
    );
    await t.send(submit);
    const sent = t.connector.calls.slice(before).filter((c) => c.kind === 'reply' || c.kind === 'post');
    const secretCall = sent.find((c) => JSON.stringify(c.body).includes('482913'))!;
    expect(secretCall.conversationId).toBe(`a:personal-${users.dave.aadObjectId}`);
    expect(sent.find((c) => /sent it to you in a personal chat/.test(c.body.text ?? ''))).toBeDefined();
    expect(t.connector.calls.slice(before).filter((c) => c.kind === 'update')).toHaveLength(0);
  });

  it('refuses Reveal and Claim to someone outside the on-call team, and audits the attempt', async () => {
    const post = channelPosts(t).find((p) => /payments-sandbox/.test(textOf(p.body.activity)))!;
    const res = await click(users.eve, 'mail.reveal', post);
    expect(res.body.type).toBe('application/vnd.microsoft.activity.message');
    expect(res.body.value).toMatch(/Only on-call/);
    expect(JSON.stringify(res.body)).not.toContain('482913');
    const claim = await click(users.eve, 'mail.claim', post);
    expect(claim.body.value).toMatch(/Only on-call/);
    const audit = await t.app.services.audit.about(`mail:${mailIdOf(post)}`);
    expect(
      audit
        .filter((a) => a.actorId === users.eve.aadObjectId)
        .map((a) => a.action)
        .sort(),
    ).toEqual(['mail.claim.refused', 'mail.reveal.refused']);
  });

  it('updates the channel card for everyone when on-call claims it', async () => {
    const post = channelPosts(t).find((p) => /payments-sandbox/.test(textOf(p.body.activity)))!;
    const res = await click(users.dave, 'mail.claim', post);
    expect(textOf({ attachments: [{ content: res.body.value }] })).toMatch(/Claimed by Dave Oncall/);
    const update = t.connector.of('update').at(-1)!;
    expect(update.targetActivityId).toBe(post.activityId);
    expect(textOf(update.body)).toMatch(/Claimed by Dave Oncall at 2026-01-01 09:00 UTC/);
    expect(actionsOf(update.body.attachments[0].content).map((a) => a.verb)).toEqual(['mail.reveal']);
    const again = await click(users.carol, 'mail.claim', post);
    expect(again.body.value).toMatch(/Dave Oncall already claimed this/);
  });

  it('posts each mail once: duplicate notifications and a second delivery of the same Message-ID', async () => {
    const before = channelPosts(t).length;
    const id = mailbox.deliver(readFixture('duplicate-delivery.eml'));
    await t.request('POST', '/api/graph/notifications', mailbox.notification([id, id]));
    await t.request('POST', '/api/graph/notifications', mailbox.notification([id]));
    await waitForLog(/duplicate ignored/, 2);
    expect(channelPosts(t)).toHaveLength(before);
  });

  it('ignores a notification batch with a wrong clientState and raises an alert', async () => {
    const fetchesBefore = graph.of('GET', /\$value$/).length;
    const id = mailbox.deliver(readFixture('verification-alphanumeric.eml'));
    const res = await t.request('POST', '/api/graph/notifications', mailbox.notification([id], 'guessed'));
    expect(res.status).toBe(202);
    const alert = t.logs.map((l) => JSON.parse(l)).find((l) => l.alert === 'graph-client-state-mismatch');
    expect(alert.level).toBe('warn');
    await t.app.idle(); // nothing was started in the background for it
    expect(graph.of('GET', /\$value$/)).toHaveLength(fetchesBefore);
  });

  it('takes a notification for a message the mailbox no longer has as gone, not as Graph being down', async () => {
    const before = t.logs.length;
    const res = await t.request(
      'POST',
      '/api/graph/notifications',
      mailbox.notification(['deleted-before-fetch']),
    );
    expect(res.status).toBe(202);
    await t.app.idle();
    const lines = t.logs.slice(before).map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(lines.find((l) => l.graphMessageId === 'deleted-before-fetch')).toMatchObject({
      level: 'warn',
      msg: 'a notified message is no longer in the mailbox',
    });
  });

  it('routes a plus address and an alphanumeric code to its account', async () => {
    const post = await relayed('verification-alphanumeric.eml');
    expect(textOf(post.body.activity)).toContain('payments-prod');
    const res = await click(users.dave, 'mail.reveal', post);
    expect(JSON.stringify(res.body.value)).toContain('K7Q2X9');
  });

  it('relays an html-only quoted-printable password reset with its link revealable', async () => {
    const post = await relayed('password-reset-html-qp.eml');
    expect(textOf(post.body.activity)).toMatch(/Password reset/);
    expect(JSON.stringify(post.body)).not.toMatch(/resetpassword/);
    const res = await click(users.dave, 'mail.reveal', post);
    expect(JSON.stringify(res.body.value)).toContain(
      'https://signin.aws.amazon.com/resetpassword?type=RootUser',
    );
  });

  it.each([
    'lookalike-sender.eml',
    'failed-dkim.eml',
    'awscdk-rootmail_password-reset-fixture.eml',
    'forwarded-external.eml',
  ])('posts %s as a suspicious warning with the secret withheld', async (file) => {
    const fixture = MAIL_FIXTURES.find((f) => f.file === file)!;
    const post = await relayed(file);
    expect(textOf(post.body.activity)).toMatch(/Suspicious/);
    expect(textOf(post.body.activity)).toMatch(/withheld/);
    expect(JSON.stringify(post.body)).not.toContain(fixture.secret);
    expect(actionsOf(cardIn(post)).map((a) => a.verb)).toEqual(['mail.claim']);
    expect(await t.app.store.get('secrets', mailIdOf(post))).toBeUndefined();
    const res = await click(users.dave, 'mail.reveal', post);
    expect(res.body.value).toMatch(/withheld/);
  });

  it('trusts a copy redirected by our own mailbox', async () => {
    const post = await relayed('forwarded-internal.eml');
    expect(textOf(post.body.activity)).not.toMatch(/Suspicious/);
    expect(JSON.stringify((await click(users.dave, 'mail.reveal', post)).body.value)).toContain('604518');
  });

  it('posts a mail for an unknown address as unrouted', async () => {
    const post = await relayed('unknown-alias.eml');
    expect(textOf(post.body.activity)).toMatch(/unrouted/);
    expect(textOf(post.body.activity)).toContain('aws_0badc0de@contoso.com');
  });

  it('does not post a newsletter or an AWS welcome mail: both are recorded only', async () => {
    const before = channelPosts(t).length;
    await notify('newsletter.eml');
    await notify('account-notice.eml');
    await t.app.idle();
    expect(t.logs.filter((l) => /mail relayed: recorded only/.test(l))).toHaveLength(2);
    expect(channelPosts(t)).toHaveLength(before);
  });

  it('posts MFA recovery mails with the right kind', async () => {
    const mfa = await relayed('mfa-recovery.eml');
    expect(textOf(mfa.body.activity)).toMatch(/MFA recovery/);
    expect(JSON.stringify((await click(users.dave, 'mail.reveal', mfa)).body.value)).toContain(
      '/mfa/recovery/',
    );
  });

  it('expires secrets: the card says so, Reveal is refused and the secret is deleted', async () => {
    const post = await relayed('verify-email-link.eml');
    const mailId = mailIdOf(post);
    expect(await t.app.store.get('secrets', mailId)).toMatchObject({ ttl: 1800 });
    t.clock.advanceMinutes(31);
    const refused = await click(users.dave, 'mail.reveal', post); // refused even before the purge ran
    expect(refused.body.value).toMatch(/expired/);
    await t.app.runJobs();
    expect(await t.app.store.get('secrets', mailId)).toBeUndefined();
    const update = t.connector.of('update').find((u) => u.targetActivityId === post.activityId)!;
    expect(textOf(update.body)).toMatch(/expired/);
    expect(actionsOf(update.body.attachments[0].content).map((a) => a.verb)).toEqual(['mail.claim']);
  });

  it('handles lifecycle events: renew, recreate when removed, catch up when missed', async () => {
    const first = mailbox.current()!;
    await t.request('POST', '/api/graph/lifecycle', mailbox.lifecycle('reauthorizationRequired'));
    await t.connector.waitFor(() => graph.of('PATCH', /^\/subscriptions\//).length > 0);

    const missedId = mailbox.deliver(
      readFixture('failed-dkim.eml')
        .toString()
        .replace(/559204/g, '559205')
        .replace('a04e7d3f', 'a04e7d40'),
    );
    const before = channelPosts(t).length;
    await t.request('POST', '/api/graph/lifecycle', mailbox.lifecycle('missed'));
    await t.connector.waitFor(() => channelPosts(t).length > before);
    expect(graph.of('GET', new RegExp(`messages/${missedId.replace(/=/g, '')}`))).toHaveLength(1);

    mailbox.subscriptions.clear();
    await t.request('POST', '/api/graph/lifecycle', mailbox.lifecycle('subscriptionRemoved', CLIENT_STATE));
    await t.connector.waitFor(() => mailbox.subscriptions.size === 1);
    expect(mailbox.current()!.id).not.toBe(first.id);

    const forged = await t.request(
      'POST',
      '/api/graph/lifecycle',
      mailbox.lifecycle('subscriptionRemoved', 'nope'),
    );
    expect(forged.status).toBe(202);
    await t.app.idle();
    expect(mailbox.subscriptions.size).toBe(1);
  });

  it('renews the subscription well before it expires, and recreates it when Graph lost it', async () => {
    await t.app.idle(); // the recreation of the previous test is finished
    const patches = graph.of('PATCH', /^\/subscriptions\//).length;
    t.clock.advanceHours(24 * 4);
    await t.app.runJobs();
    expect(graph.of('PATCH', /^\/subscriptions\//)).toHaveLength(patches + 1);
    await t.app.runJobs();
    expect(graph.of('PATCH', /^\/subscriptions\//)).toHaveLength(patches + 1); // not again: fresh now

    mailbox.subscriptions.clear();
    t.clock.advanceHours(24 * 4);
    await t.app.runJobs();
    expect(mailbox.subscriptions.size).toBe(1);
  });

  it('never wrote a code or link of the corpus to the logs or the console', async () => {
    expect(t.logs.length).toBeGreaterThan(20);
    const secrets = await corpusSecrets();
    for (const line of [...t.logs, ...printed]) {
      for (const secret of secrets) expect(line).not.toContain(secret);
    }
  });
});

describe('mail inject endpoint and SMTP listener (local sources)', () => {
  let t: TestApp;
  let first: TestApp;
  beforeAll(async () => {
    t = first = await startTestApp({ env: { ADMIN_IDS: users.carol.aadObjectId, SMTP_PORT: '0' } });
    await t.app.store.create('addresses', POOL_ADDRESS, POOL_ADDRESS_RECORD);
    await t.send(channelMessage(t.connector.url, users.carol, 'setup oncall'));
  });
  afterAll(async () => {
    await t.close();
    if (t !== first) await first.close(); // the connector and data dir belong to the first one
  });

  const body = (file: string) => ({ raw: readFixture(file).toString('base64') });

  it('refuses a request without the token from DATA_DIR', async () => {
    const res = await t.request('POST', '/api/dev/mail', body('verification-code.eml'));
    expect(res.status).toBe(403);
    expect(res.body.detail).toMatch(/dev-mail-token/);
    const wrong = await t.request('POST', '/api/dev/mail', body('verification-code.eml'), {
      authorization: 'Bearer not-the-token',
    });
    expect(wrong.status).toBe(403);
  });

  it('feeds a mail into the pipeline with the token, once', async () => {
    const token = readFileSync(path.join(t.dataDir, 'dev-mail-token'), 'utf8');
    const headers = { authorization: `Bearer ${token}` };
    const res = await t.request('POST', '/api/dev/mail', body('verification-code.eml'), headers);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      outcome: 'posted',
      class: 'secret',
      kind: 'signup-code',
      trust: 'trusted',
      destination: 'oncall-secret',
      routed: true,
    });
    expect(JSON.stringify(res.body)).not.toContain('482913');
    const again = await t.request('POST', '/api/dev/mail', body('verification-code.eml'), headers);
    expect(again.body.outcome).toBe('duplicate');
    expect(t.connector.of('createConversation').filter((c) => c.body.activity)).toHaveLength(1);
  });

  it('still posts once after a restart, and finishes a mail an instance abandoned mid-way', async () => {
    await t.stopApp();
    const restarted = await startTestApp({ dataDir: t.dataDir, connector: t.connector });
    try {
      const token = readFileSync(path.join(t.dataDir, 'dev-mail-token'), 'utf8');
      const headers = { authorization: `Bearer ${token}` };
      const again = await restarted.request('POST', '/api/dev/mail', body('verification-code.eml'), headers);
      expect(again.body.outcome).toBe('duplicate');

      const abandoned = await restarted.request(
        'POST',
        '/api/dev/mail',
        body('verify-email-link.eml'),
        headers,
      );
      const mailId = abandoned.body.mailId;
      const stale = { mailId, state: 'processing', source: 'graph', startedAt: '2025-12-31T00:00:00Z' };
      const stored = await restarted.app.store.get('mails', mailId);
      await restarted.app.store.replace('mails', mailId, stale, stored!._etag);
      const retried = await restarted.request(
        'POST',
        '/api/dev/mail',
        body('verify-email-link.eml'),
        headers,
      );
      expect(retried.body.outcome).toBe('posted');

      // Kept while no on-call channel existed: posted when it comes again (catch-up, re-inject).
      const kept = await restarted.request('POST', '/api/dev/mail', body('abuse-report.eml'), headers);
      const keptDoc = await restarted.app.store.get<{ state: string }>('mails', kept.body.mailId);
      await restarted.app.store.replace(
        'mails',
        kept.body.mailId,
        { ...keptDoc!, state: 'no-channel' },
        keptDoc!._etag,
      );
      const posted = await restarted.request('POST', '/api/dev/mail', body('abuse-report.eml'), headers);
      expect(posted.body.outcome).toBe('posted');
    } finally {
      await restarted.stopApp();
    }
    t = await startTestApp({
      dataDir: t.dataDir,
      connector: t.connector,
      env: { SMTP_PORT: '0', SMTP_TRUSTED_AUTHSERV_ID: 'relay.contoso.com' },
    });
  });

  it('accepts mail over SMTP on loopback and relays it, trusted by what the relay stamped', async () => {
    const port = t.app.smtpPort!;
    const before = t.connector.of('createConversation').length;
    const stamp =
      'Authentication-Results: relay.contoso.com; dkim=pass header.d=signin.aws; dmarc=pass header.from=signin.aws\r\n';
    await sendSmtp(port, stamp + readFixture('mfa-recovery.eml').toString(), {
      from: 'recover-mfa-no-reply@signin.aws',
      to: POOL_ADDRESS,
    });
    await t.connector.waitFor(() => t.connector.of('createConversation').length > before);
    expect(textOf(t.connector.of('createConversation').at(-1)!.body.activity)).toMatch(/MFA recovery/);
  });
});

describe('two instances sharing one Cosmos DB', () => {
  let a: TestApp;
  let b: TestApp;
  let graph: FakeGraph;
  let mailbox: FakeGraphMailbox;
  beforeAll(async () => {
    graph = new FakeGraph();
    await graph.start();
    mailbox = new FakeGraphMailbox(graph, MAILBOX);
    const env = {
      GRAPH_BASE_URL: graph.baseUrl,
      MAILBOX,
      PUBLIC_BASE_URL: 'https://rootmail.contoso.com',
      GRAPH_CLIENT_STATE: CLIENT_STATE,
      ADMIN_IDS: users.carol.aadObjectId,
    };
    a = await startTestApp({ store: 'cosmos', env });
    b = await startTestApp({
      store: 'cosmos',
      env,
      cosmos: a.cosmos,
      clock: a.clock,
      connector: a.connector,
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await graph?.stop();
  });

  it('create and renew the inbox subscription once between them (claims by etag)', async () => {
    await Promise.all([a.app.runJobs(), b.app.runJobs()]);
    expect(graph.of('POST', /^\/subscriptions$/)).toHaveLength(1);
    a.clock.advanceHours(24 * 4);
    await Promise.all([a.app.runJobs(), b.app.runJobs()]);
    a.clock.advanceMinutes(5); // past any claim left behind
    await Promise.all([a.app.runJobs(), b.app.runJobs()]);
    expect(graph.of('PATCH', /^\/subscriptions\//)).toHaveLength(1);
    expect(mailbox.subscriptions.size).toBe(1);
  });

  it('post a mail notified to both of them once', async () => {
    await a.send(channelMessage(a.connector.url, users.carol, 'setup oncall'));
    const id = mailbox.deliver(readFixture('mfa-recovery.eml'));
    await Promise.all([
      a.request('POST', '/api/graph/notifications', mailbox.notification([id])),
      b.request('POST', '/api/graph/notifications', mailbox.notification([id])),
    ]);
    await Promise.all([a.app.idle(), b.app.idle()]);
    const posts = a.connector.of('createConversation').filter((c) => c.body.activity);
    expect(posts).toHaveLength(1);
  });
});

describe('a deployed instance (Cosmos DB store)', () => {
  it('offers no mail inject endpoint at all', async () => {
    const t = await startTestApp({ store: 'cosmos' });
    try {
      const res = await t.request('POST', '/api/dev/mail', {
        raw: readFixture('verification-code.eml').toString('base64'),
      });
      expect(res.status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
