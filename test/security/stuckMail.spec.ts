import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MailRecord } from '../../src/app/mail/mailRecords';
import { cardAction, channelMessage, ONCALL_CHANNEL_ID, TEAM_ID } from '../support/activities';
import type { ConnectorCall } from '../support/fakeBotConnector';
import { POOL_ADDRESS, POOL_ADDRESS_RECORD, readFixture } from '../support/mailFixtures';
import { pollUntil } from '../support/pollUntil';
import { cardOf, startTestApp, TestApp, textOf } from '../support/testApp';
import { users } from '../support/users';

/**
 * No stuck mail (issue 10, point 3): a mail whose Teams post failed is retried with backoff by the sweeper,
 * on-call is alerted after MAIL_POST_ATTEMPTS failures, the card offers Reveal only while the secret can be
 * revealed, and expired secrets are purged whatever state their mail is in. (A mail left in `processing` by
 * kill -9 is finished after a restart: test/security/crash.spec.ts.)
 */

/** A new thread in the on-call channel carrying a card (the mail card, not an alert's text). */
const isMailCard = (c: { method: string; path: string; body?: any }) =>
  c.method === 'POST' &&
  /\/v3\/conversations\/?$/.test(c.path) &&
  c.body?.channelData?.channel?.id === ONCALL_CHANNEL_ID &&
  !!(c.body?.activity ?? c.body)?.attachments?.length;

function mailCards(t: TestApp): ConnectorCall[] {
  return t.connector.of('createConversation').filter(isMailCard);
}
/** On-call alerts about mails that could not be posted (the pool-level alert is not one). */
function alerts(t: TestApp): string[] {
  return t.connector
    .of('createConversation')
    .filter((c) => c.body?.channelData?.channel?.id === ONCALL_CHANNEL_ID && !isMailCard(c))
    .map((c) => textOf(c.body.activity ?? c.body))
    .filter((text) => /could not post a mail/.test(text));
}
function verbsOf(call: ConnectorCall): string[] {
  const card = cardOf(call.body.activity ?? call.body);
  return JSON.stringify(card).match(/"verb":"[a-z.]+"/g) ?? [];
}

/** A mail fed to the app's inject endpoint; answers once its relay is done. */
async function injectInto(t: TestApp, file: string): Promise<{ mailId: string; outcome: string }> {
  const token = readFileSync(path.join(t.dataDir, 'dev-mail-token'), 'utf8');
  const res = await t.request(
    'POST',
    '/api/dev/mail',
    { raw: readFixture(file).toString('base64') },
    { authorization: `Bearer ${token}` },
  );
  expect(res.status).toBe(200);
  return res.body as { mailId: string; outcome: string };
}

/** An app with the pool address, an on-call channel and Dave in its team. */
async function startWithOnCall(env: Record<string, string>): Promise<TestApp> {
  const t = await startTestApp({ env: { ADMIN_IDS: users.carol.aadObjectId, ...env } });
  await t.app.store.create('addresses', POOL_ADDRESS, POOL_ADDRESS_RECORD);
  await t.send(channelMessage(t.connector.url, users.carol, 'setup oncall'));
  t.connector.addMembers(TEAM_ID, users.dave.aadObjectId);
  return t;
}

describe('a mail whose relay did not finish', () => {
  let t: TestApp;
  const inject = (file: string) => injectInto(t, file);
  const record = (mailId: string) => t.app.store.get<MailRecord>('mails', mailId);

  beforeEach(async () => {
    t = await startWithOnCall({ MAIL_POST_ATTEMPTS: '2', SECRET_TTL_MINUTES: '3' });
  });
  afterEach(async () => {
    await t?.close();
  });

  it('is posted once Teams answers again after 503s, on-call is alerted after 2 failures, and Reveal works', async () => {
    // Teams answers 503 to the card until it is back (the connector client's own retries included).
    t.connector.fail(isMailCard, 503, { times: 1000 });
    const { mailId, outcome } = await inject('verification-code.eml');
    expect(outcome).toBe('retrying');
    expect(mailCards(t)).toHaveLength(0);
    expect(await record(mailId)).toMatchObject({ state: 'processing', attempts: 1 });

    // Not before its wait is over: the sweeper leaves it alone.
    await t.app.runJobs();
    expect((await record(mailId))?.attempts).toBe(1);

    t.clock.advance(31_000); // second try: 503 again, and that is MAIL_POST_ATTEMPTS
    await t.app.runJobs();
    expect(await record(mailId)).toMatchObject({ state: 'processing', attempts: 2, alerted: true });
    expect(alerts(t)).toHaveLength(1);
    expect(alerts(t)[0]).toMatch(/could not post a mail \(Sign-up verification code for payments-sandbox\)/);
    expect(alerts(t)[0]).not.toContain('482913');

    t.connector.heal(); // Teams is back
    t.clock.advance(61_000);
    await t.app.runJobs();
    expect(mailCards(t)).toHaveLength(1);
    expect(await record(mailId)).toMatchObject({ state: 'posted', secretState: 'live' });
    const card = mailCards(t)[0];
    expect(verbsOf(card)).toContain('"verb":"mail.reveal"');

    const reveal = await t.send(
      cardAction(
        t.connector.url,
        users.dave,
        'mail.reveal',
        { mailId },
        { id: card.conversationId!, conversationType: 'channel' },
        card.activityId,
      ),
    );
    expect(JSON.stringify(reveal.body)).toContain('482913');

    // Nothing more: no second card, no second alert.
    t.clock.advance(15 * 60_000);
    await t.app.runJobs();
    expect(mailCards(t)).toHaveLength(1);
    expect(alerts(t)).toHaveLength(1);
  });

  it('offers no Reveal once the secret expired while Teams was down, and the secret is purged meanwhile', async () => {
    t.connector.fail(isMailCard, 503, { times: 1000 });
    const { mailId } = await inject('verification-code.eml');
    expect(await t.app.store.get('secrets', mailId)).toBeDefined();
    for (let i = 0; i < 5; i++) {
      t.clock.advance(2 * 60_000);
      await t.app.runJobs();
    }
    // Still not posted, its mail still processing, and the secret gone (SECRET_TTL_MINUTES=3).
    expect(mailCards(t)).toHaveLength(0);
    expect(await record(mailId)).toMatchObject({ state: 'processing' });
    expect(await t.app.store.get('secrets', mailId)).toBeUndefined();
    expect(await t.app.store.count('secrets', {})).toBe(0);

    t.connector.heal(); // Teams is back
    t.clock.advance(15 * 60_000);
    await t.app.runJobs();
    expect(mailCards(t)).toHaveLength(1);
    const card = mailCards(t)[0];
    expect(verbsOf(card)).not.toContain('"verb":"mail.reveal"');
    expect(textOf(card.body.activity ?? card.body)).toMatch(/expired at/);
  });
});

describe('a mail whose relay is still at work (issue 21: leases that follow the work)', () => {
  it('keeps its claim past the lease while Teams is slow: a sweeper on another instance leaves it, one card', async () => {
    const sweeping = await startWithOnCall({ MAIL_RELAY_LEASE_SECONDS: '1' });
    // The instance that relays the mail (the inject endpoint answers the last instance started on the data).
    const t = await startTestApp({
      env: { ADMIN_IDS: users.carol.aadObjectId, MAIL_RELAY_LEASE_SECONDS: '1' },
      dataDir: sweeping.dataDir,
      connector: sweeping.connector,
      clock: sweeping.clock,
    });
    try {
      t.connector.latencyMs = 3_000; // the card's post takes three leases
      const relayed = injectInto(t, 'verification-code.eml');
      await pollUntil(() => mailCards(t).length === 1, 'the card on its way to Teams');
      const [held] = await t.app.store.query<MailRecord>('mails', { state: 'processing' });
      t.clock.advance(5_000); // the lease taken at the claim has run out meanwhile

      // The relay renews its claim while it works, so the record is held again before the post returns …
      await pollUntil(
        async () =>
          Date.parse((await t.app.store.get<MailRecord>('mails', held.mailId))?.leaseUntil ?? '') >
          t.clock.now().getTime(),
        'the claim renewed by the relay at work',
      );
      // … and the sweeper of the other instance finds nothing to retake.
      await sweeping.app.runJobs();
      expect((await relayed).outcome).toBe('posted');
      t.connector.latencyMs = 0;
      expect(mailCards(t)).toHaveLength(1);
      expect(await t.app.store.get<MailRecord>('mails', held.mailId)).toMatchObject({ state: 'posted' });
    } finally {
      await t.stopApp();
      await sweeping.close();
    }
  });
});
