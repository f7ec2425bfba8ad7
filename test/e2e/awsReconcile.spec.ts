import type { ReconcileRun } from '../../src/domain/reconcileRuns';
import {
  cardAction,
  channelMessage,
  ONCALL_CHANNEL_ID,
  personalConversationId,
  personalMessage,
  TEAM_ID,
} from '../support/activities';
import { adaptiveCardProblems } from '../support/adaptiveCardProblems';
import { awsEnv, FAST_AWS_RETRY, record, useLocalAwsKeys } from '../support/awsSupport';
import { FakeAws } from '../support/fakeAws';
import type { ConnectorCall } from '../support/fakeBotConnector';
import type { FakeGraph } from '../support/fakeGraph';
import { startDirectory } from '../support/requestFlow';
import { cardOf, startTestApp, TestApp, textOf } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { users } from '../support/users';

const { alice, carol, eve, frank } = users;
const DAY = 86_400_000;

/** Cards the app started threads with in the on-call channel (alerts are plain text). */
function oncallPosts(t: TestApp): ConnectorCall[] {
  return t.connector
    .of('createConversation')
    .filter((c) => c.body?.channelData?.channel?.id === ONCALL_CHANNEL_ID && c.body.activity.attachments);
}
const findingCards = oncallPosts;
function buttonsOf(call: ConnectorCall): string[] {
  const card = call.body.activity.attachments[0].content;
  return (card.body as { type: string; actions?: { verb: string }[] }[])
    .filter((b) => b.type === 'ActionSet')
    .flatMap((b) => b.actions ?? [])
    .map((a) => a.verb);
}
function subjectOf(call: ConnectorCall): string {
  return JSON.stringify(call.body.activity).match(/"subject":"([^"]+)"/)![1];
}
function clickOn(t: TestApp, user: (typeof users)[keyof typeof users], verb: string, post: ConnectorCall) {
  return t.send(
    cardAction(
      t.connector.url,
      user,
      verb,
      { verb, subject: subjectOf(post) },
      { id: post.conversationId!, conversationType: 'channel' },
      post.activityId,
    ),
  );
}

describe.each(['embedded', 'cosmos'] as const)(
  'reconciliation with AWS Organizations (%s store)',
  (store) => {
    let fake: FakeAws;
    let t: TestApp;
    let graph: FakeGraph;
    let issuer: TokenIssuer;
    let restoreKeys: () => void;
    const admin = () => issuer.bearer({ oid: 'automation', roles: ['Addresses.Admin'] });
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      restoreKeys = useLocalAwsKeys();
      fake = new FakeAws();
      await fake.start();
      graph = await startDirectory();
      issuer = await new TokenIssuer().start();
      t = await startTestApp({
        store,
        env: {
          ...awsEnv(fake),
          ...issuer.env(),
          GRAPH_BASE_URL: graph.baseUrl,
          ADMIN_IDS: carol.aadObjectId,
          APPROVER_IDS: frank.aadObjectId,
          RECONCILE_UNUSED_DAYS: '14',
        },
        overrides: { awsRetry: FAST_AWS_RETRY },
      });
      const owner = { id: alice.aadObjectId, upn: alice.upn, name: alice.name };
      const at = (daysAgo: number) => new Date(t.clock.now().getTime() - daysAgo * DAY).toISOString();
      // The organisation: one account for each thing reconciliation can find, and two that are fine.
      ids.autoLink = fake.addAccount({ name: 'payments-prod', email: 'AWS-1-1@contoso.com' }).id;
      ids.known = fake.addAccount({ name: 'data-lake', email: 'aws-1-2@contoso.com' }).id;
      ids.ending = fake.addAccount({ name: 'old-shop', email: 'aws-1-3@contoso.com', state: 'SUSPENDED' }).id;
      ids.legacy = fake.addAccount({ name: 'Payments DR', email: 'jane.doe@example.org' }).id;
      ids.mismatch = fake.addAccount({ name: 'billing', email: 'aws-1-5@contoso.com' }).id;
      ids.inUse = fake.addAccount({ name: 'analytics', email: 'aws-1-6@contoso.com' }).id;
      // The registry, as it stood before this feature (so the first run also fills the assigned index).
      const seed = [
        record('aws-1-1@contoso.com', { owner, assignedAt: at(2) }),
        record('aws-1-2@contoso.com', { owner, assignedAt: at(40), awsAccountId: ids.known }),
        record('aws-1-3@contoso.com', { owner, assignedAt: at(400), awsAccountId: ids.ending }),
        record('aws-1-5@contoso.com', { owner, assignedAt: at(30), awsAccountId: '999999999999' }),
        record('aws-1-6@contoso.com', { state: 'available', accountName: undefined }),
        record('aws-1-7@contoso.com', { owner, assignedAt: at(30) }),
        record('aws-1-8@contoso.com', { owner, assignedAt: at(60), awsAccountId: '888888888888' }),
      ];
      for (const r of seed) await t.app.store.create('addresses', r.address, r);
      await t.send(channelMessage(t.connector.url, carol, 'setup oncall'));
      t.connector.addMembers(TEAM_ID, users.dave.aadObjectId);
    });
    afterAll(async () => {
      await t?.close();
      await fake?.stop();
      await graph?.stop();
      await issuer?.stop();
      restoreKeys();
    });

    it('`reconcile` in chat answers at once, then puts the summary in that message', async () => {
      t.connector.clear();
      await t.send(personalMessage(t.connector.url, carol, 'reconcile'));
      const [reply] = t.connector.of('reply', personalConversationId(carol));
      expect(reply.body.text).toMatch(/Reconciling with AWS Organizations/);
      const summary = t.connector.of('update').find((u) => u.targetActivityId === reply.activityId);
      const card = cardOf(summary?.body);
      expect(adaptiveCardProblems(card)).toEqual([]);
      const text = textOf(summary?.body);
      expect(text).toMatch(/AWS accounts\n7\b/); // six members and the management account
      expect(text).toMatch(/Linked by reconciliation\n1\b/);
      expect(text).toMatch(/Open findings\n7: /);
      expect(text).toMatch(/7 new or changed, 0 resolved/);
    });

    it('links the account whose root e-mail is an unlinked record, audited as reconciliation', async () => {
      const linked = await t.app.services.addresses.get('aws-1-1@contoso.com');
      expect(linked?.awsAccountId).toBe(ids.autoLink);
      const [event] = (await t.app.services.audit.about('aws-1-1@contoso.com')).filter(
        (e) => e.action === 'address.linked',
      );
      expect(event).toMatchObject({ actorId: 'reconciliation', actorName: 'reconciliation' });
    });

    it('reports every drift case on a card of its own in the on-call channel, with Retire and Adopt where they fit', () => {
      const cards = oncallPosts(t).map((c) => ({ text: textOf(c.body.activity), verbs: buttonsOf(c) }));
      const one = (pattern: RegExp) => {
        const found = cards.filter((c) => pattern.test(c.text));
        expect({ pattern: String(pattern), found: found.length }).toEqual({
          pattern: String(pattern),
          found: 1,
        });
        return found[0];
      };
      expect(one(new RegExp(`Account ${ids.ending} \\(old-shop\\) is SUSPENDED`)).verbs).toEqual([
        'aws.retire',
      ]);
      expect(
        one(new RegExp(`Account ${ids.legacy} \\(Payments DR\\) has the root e-mail jane.doe@example.org`))
          .verbs,
      ).toEqual(['aws.adopt']);
      expect(one(/The registry links aws-1-5@contoso.com to account 999999999999/).verbs).toEqual([]);
      expect(
        one(/aws-1-6@contoso.com is available in the registry, but it is the root e-mail/).verbs,
      ).toEqual([]);
      expect(one(/aws-1-7@contoso.com was assigned 30 days ago/).verbs).toEqual([]);
      expect(one(/aws-1-8@contoso.com is linked to account 888888888888/).verbs).toEqual([]);
      expect(one(/management account 111111111111/).verbs).toEqual([]); // AWS will not change it through the API
      expect(cards).toHaveLength(7);
      for (const c of oncallPosts(t))
        expect(adaptiveCardProblems(c.body.activity.attachments[0].content)).toEqual([]);
    });

    it('POST /api/v1/reconcile runs again and reports nothing twice; status and the API show the run', async () => {
      const before = oncallPosts(t).length;
      const res = await t.request('POST', '/api/v1/reconcile', undefined, await admin());
      expect(res.status).toBe(200);
      expect(res.body as ReconcileRun).toMatchObject({
        state: 'done',
        trigger: 'api',
        accounts: 7,
        autoLinked: 0,
        findings: 7,
        reported: 0,
        unchanged: 7,
        resolved: 0,
      });
      expect(oncallPosts(t)).toHaveLength(before);

      const status = await t.request('GET', '/api/v1/status', undefined, await admin());
      expect(status.body.aws).toMatchObject({
        configured: true,
        openFindings: 7,
        lastRun: { state: 'done', trigger: 'api' },
        findingsByKind: { 'account-not-in-registry': 2, 'ended-account-still-assigned': 1 },
      });
      await t.send(personalMessage(t.connector.url, carol, 'status'));
      expect(textOf(t.connector.of('reply', personalConversationId(carol)).at(-1)!.body)).toMatch(
        /AWS Organizations\nlast run .* UTC: 7 accounts, 0 linked by reconciliation, 7 open finding\(s\)/,
      );
      const overview = await t.request('GET', '/api/v1/reconcile', undefined, await admin());
      expect(overview.body.openFindings).toBe(7);
      expect(overview.body.findings.map((f: { kind: string }) => f.kind)).toContain('account-id-mismatch');
    });

    it('reports a finding again only once it changed, and marks a resolved one on its card', async () => {
      fake.setState(ids.ending, 'CLOSED'); // the suspended account is closed now: new facts
      fake.addAccount({ name: 'fresh', email: 'aws-1-7@contoso.com' }); // the unused address is used now
      const unusedCard = oncallPosts(t).find((c) =>
        /aws-1-7@contoso.com was assigned/.test(textOf(c.body.activity)),
      )!;
      const before = oncallPosts(t).length;
      const res = await t.request('POST', '/api/v1/reconcile', undefined, await admin());
      expect(res.body).toMatchObject({ accounts: 8, reported: 1, resolved: 1, unchanged: 5, autoLinked: 1 });
      const fresh = oncallPosts(t).slice(before);
      expect(fresh.map((c) => textOf(c.body.activity))).toEqual([
        expect.stringMatching(new RegExp(`${ids.ending} \\(old-shop\\) is CLOSED`)),
      ]);
      const resolved = t.connector.of('update').find((u) => u.targetActivityId === unusedCard.activityId);
      expect(textOf(resolved?.body)).toMatch(/Resolved: reconciliation no longer sees this/);
      expect(buttonsOf({ body: { activity: resolved!.body } } as ConnectorCall)).toEqual([]);
    });

    it('Retire: someone without rights is refused (recorded); the owner retires at once, the card says so', async () => {
      const card = [...findingCards(t)].reverse().find((c) => /is CLOSED/.test(textOf(c.body.activity)))!;
      const refused = await clickOn(t, eve, 'aws.retire', card);
      expect(JSON.stringify(refused.body.value)).toMatch(
        /Only the owner of .*aws-1-3@contoso.com.* or an admin can change it. Your attempt was recorded/,
      );
      expect((await t.app.services.addresses.get('aws-1-3@contoso.com'))?.state).toBe('assigned');

      const res = await clickOn(t, alice, 'aws.retire', card);
      expect(res.status).toBe(200);
      expect(textOf({ attachments: [{ content: res.body.value }] })).toMatch(
        /Retiring aws-1-3@contoso.com, asked by Alice Requester/,
      );
      expect((await t.app.services.addresses.get('aws-1-3@contoso.com'))?.state).toBe('quarantined');
      const after = t.connector
        .of('update')
        .filter((u) => u.targetActivityId === card.activityId)
        .at(-1);
      expect(textOf(after?.body)).toMatch(
        /Retired by Alice Requester: aws-1-3@contoso.com is in quarantine until/,
      );

      const again = await clickOn(t, carol, 'aws.retire', card);
      expect(JSON.stringify(again.body.value)).toMatch(
        /Alice Requester retired the address at .*: Retired by Alice Requester/,
      );
      const audit = await t.app.services.audit.about('aws-1-3@contoso.com');
      expect(audit.map((e) => `${e.action} ${e.actorId}`)).toEqual(
        expect.arrayContaining([
          `address.retire-refused ${eve.aadObjectId}`,
          `address.retired ${alice.aadObjectId}`,
        ]),
      );
    });

    it('Adopt: only admins; the click is answered at once and the usual address request goes out', async () => {
      const card = findingCards(t).find((c) => /Payments DR/.test(textOf(c.body.activity)))!;
      const refused = await clickOn(t, alice, 'aws.adopt', card);
      expect(JSON.stringify(refused.body.value)).toMatch(/Only an admin .* can adopt an AWS account/);

      const res = await clickOn(t, carol, 'aws.adopt', card);
      expect(textOf({ attachments: [{ content: res.body.value }] })).toMatch(
        /Adoption asked for by Carol Admin: requesting an address/,
      );
      const after = t.connector
        .of('update')
        .filter((u) => u.targetActivityId === card.activityId)
        .at(-1);
      expect(textOf(after?.body)).toMatch(
        /Adoption adp-[0-9a-f]{8} started by Carol Admin: address request req-[0-9a-f]{8} is waiting for Frank Approver/,
      );
      const [pending] = await t.app.services.requests.listPending();
      expect(pending).toMatchObject({
        accountName: 'payments-dr',
        adoptsAccountId: ids.legacy,
        requester: { id: carol.aadObjectId },
      });
    });
  },
);

describe('reconciliation at the edges (embedded store)', () => {
  let fake: FakeAws;
  let t: TestApp;
  let issuer: TokenIssuer;
  let restoreKeys: () => void;
  const admin = () => issuer.bearer({ oid: 'automation', roles: ['Addresses.Admin'] });

  beforeAll(async () => {
    restoreKeys = useLocalAwsKeys();
    fake = new FakeAws();
    // 2,500 accounts: 2,460 the registry knows, 40 legacy ones (more than get a card of their own).
    fake.seedAccounts(2_460, { email: (i) => `known-${i}@contoso.com` });
    fake.seedAccounts(39);
    await fake.start();
    issuer = await new TokenIssuer().start();
    t = await startTestApp({
      env: { ...awsEnv(fake), ...issuer.env(), ADMIN_IDS: carol.aadObjectId },
      overrides: { awsRetry: FAST_AWS_RETRY },
    });
    for (let i = 0; i < 2_460; i++) {
      const address = `known-${i}@contoso.com`;
      await t.app.store.create('addresses', address, record(address, { assignedAt: '2026-01-01T00:00:00Z' }));
    }
    await t.send(channelMessage(t.connector.url, carol, 'setup oncall'));
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await issuer?.stop();
    restoreKeys();
  });

  it('follows every page of 2,500 accounts, links the known ones, and lists the rest on one digest card', async () => {
    const res = await t.request('POST', '/api/v1/reconcile', undefined, await admin());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      accounts: 2_500,
      known: 2_460,
      autoLinked: 2_460,
      findings: 40,
      reported: 40,
    });
    const pages = fake.of('ListAccounts');
    expect(pages).toHaveLength(125);
    expect(pages.slice(1).every((c) => typeof c.input.NextToken === 'string')).toBe(true);
    const posts = oncallPosts(t);
    expect(posts).toHaveLength(21); // 20 finding cards and one digest
    const digest = textOf(posts.at(-1)!.body.activity);
    expect(digest).toMatch(/20 more drift finding\(s\) from AWS Organizations/);
    expect(digest).toMatch(/Act on them with adopt ‹aws-account-id› and retire ‹address›/);
  });

  it('retries throttling with backoff and finishes the run', async () => {
    fake.calls.length = 0;
    fake.fail('ListAccounts', 'throttled', 2);
    const res = await t.request('POST', '/api/v1/reconcile', undefined, await admin());
    expect(res.status).toBe(200);
    const first = fake.of('ListAccounts').slice(0, 3);
    expect(first.map((c) => c.status)).toEqual([400, 400, 200]);
    expect(first[2].at - first[1].at).toBeGreaterThanOrEqual(FAST_AWS_RETRY.baseDelayMs - 1);
  });

  it('answers 503 naming AWS when AWS cannot be reached, records the failed run, and reports nothing', async () => {
    const before = oncallPosts(t).length;
    fake.fail('ListAccounts', 'internal-error', FAST_AWS_RETRY.maxAttempts);
    const res = await t.request('POST', '/api/v1/reconcile', undefined, await admin());
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.body).toMatchObject({
      dependency: 'AWS',
      detail: expect.stringMatching(/AWS cannot be reached/),
    });
    expect(JSON.stringify(res.body)).not.toMatch(/ServiceException|at \w+ \(/);
    expect(oncallPosts(t)).toHaveLength(before);
    const status = await t.request('GET', '/api/v1/status', undefined, await admin());
    expect(status.body.aws.lastRun).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(/AWS could not answer ListAccounts/),
    });
    expect(status.body.warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/Reconciliation with AWS Organizations failed/)]),
    );
  });

  it('answers 409 in words when AWS refuses (not the management account), and chat says the same', async () => {
    fake.fail('ListAccounts', 'not-management-account', 2);
    const res = await t.request('POST', '/api/v1/reconcile', undefined, await admin());
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(
      /neither the organisation's management account nor a delegated administrator/,
    );
    t.connector.clear();
    await t.send(personalMessage(t.connector.url, carol, 'reconcile'));
    const [reply] = t.connector.of('reply');
    const update = t.connector.of('update').find((u) => u.targetActivityId === reply.activityId);
    expect(update?.body.text).toMatch(
      /neither the organisation's management account nor a delegated administrator/,
    );
  });

  it('the hourly job runs once an hour, whichever instance gets there first', async () => {
    fake.calls.length = 0;
    await t.app.runJobs();
    const runs = () => fake.of('ListAccounts').filter((c) => c.input.NextToken === undefined).length;
    expect(runs()).toBe(1);
    await t.app.runJobs();
    expect(runs()).toBe(1);
    t.clock.advance(61 * 60_000);
    await t.app.runJobs();
    expect(runs()).toBe(2);
  });

  it('only admins reconcile, in chat and over the API', async () => {
    t.connector.clear();
    await t.send(personalMessage(t.connector.url, eve, 'reconcile'));
    expect(t.connector.of('reply')[0].body.text).toMatch(/Only an admin .* can reconcile/);
    const res = await t.request(
      'POST',
      '/api/v1/reconcile',
      undefined,
      await issuer.bearer({ oid: 'reader', roles: ['Addresses.Read'] }),
    );
    expect(res.status).toBe(403);
  });
});

describe('without AWS settings', () => {
  let t: TestApp;
  let issuer: TokenIssuer;
  beforeAll(async () => {
    issuer = await new TokenIssuer().start();
    t = await startTestApp({ env: { ...issuer.env(), ADMIN_IDS: carol.aadObjectId } });
  });
  afterAll(async () => {
    await t?.close();
    await issuer?.stop();
  });

  it('says the feature is off in status, in chat and over the API', async () => {
    await t.send(personalMessage(t.connector.url, carol, 'status'));
    expect(textOf(t.connector.of('reply')[0].body)).toMatch(/AWS Organizations\nnot configured/);
    t.connector.clear();
    await t.send(personalMessage(t.connector.url, carol, 'reconcile'));
    expect(t.connector.of('reply')[0].body.text).toMatch(/AWS Organizations is not configured/);
    const admin = await issuer.bearer({ oid: 'automation', roles: ['Addresses.Admin'] });
    // A call that can never succeed is 404 saying how to turn the feature on, not an outage (issue 18).
    for (const [method, path, body] of [
      ['POST', '/api/v1/adoptions', { awsAccountId: '210987654321' }],
      ['GET', '/api/v1/adoptions/adopt-0000000000', undefined],
      ['POST', '/api/v1/reconcile', undefined],
      ['GET', '/api/v1/reconcile', undefined],
    ] as const) {
      const res = await t.request(method, path, body, admin);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.body.detail).toMatch(
        /AWS Organizations is not configured: set AWS_ROLE_ARN and AWS_WEB_IDENTITY_AUDIENCE/,
      );
    }
    expect((await t.request('GET', '/api/v1/status', undefined, admin)).body.aws).toEqual({
      configured: false,
    });
    const described = await t.request('GET', '/api/v1/openapi.json');
    expect(Object.keys(described.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/reconcile', '/api/v1/adoptions', '/api/v1/adoptions/{adoptionId}']),
    );
  });
});
