import { performance } from 'node:perf_hooks';
import type { ReconcileRun } from '../../src/domain/reconcileRuns';
import {
  channelMessage,
  ONCALL_CHANNEL_ID,
  personalConversationId,
  personalMessage,
} from '../support/activities';
import { adaptiveCardProblems } from '../support/adaptiveCardProblems';
import { awsEnv, FAST_AWS_RETRY, record, useLocalAwsKeys } from '../support/awsSupport';
import { FakeAws } from '../support/fakeAws';
import type { ConnectorCall } from '../support/fakeBotConnector';
import { startTestApp, TestApp, textOf } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { users } from '../support/users';

const { alice, carol } = users;
const HOUR = 3_600_000;

/** Everything the app started in the on-call channel: finding cards and plain-text alerts. */
const oncall = (t: TestApp): ConnectorCall[] =>
  t.connector.of('createConversation').filter((c) => c.body?.channelData?.channel?.id === ONCALL_CHANNEL_ID);
const oncallTexts = (t: TestApp) => oncall(t).map((c) => textOf(c.body.activity));

/**
 * Root posture in the registry over real HTTP, with the real STS and IAM clients against the loopback AWS:
 * reconciliation audits each linked member account's root user in an IAMAuditRootUserCredentials session,
 * keeps what it found, reports root access keys and root passwords to on-call once, and shows the posture in
 * whois, the API and status; an organisation with root access off is told once, and AWS refusing ends only
 * the audit.
 */
describe.each(['embedded', 'cosmos'] as const)("member accounts' root users (%s store)", (store) => {
  let fake: FakeAws;
  let t: TestApp;
  let issuer: TokenIssuer;
  let restoreKeys: () => void;
  const ids: Record<string, string> = {};
  /** The audit's pace; a test shortens its time budget. */
  const pace = { concurrency: 4, perSecond: 20, budgetMs: 60_000 };
  const admin = () => issuer.bearer({ oid: 'automation', roles: ['Addresses.Admin'] });
  const reconcile = async (): Promise<ReconcileRun> => {
    const res = await t.request('POST', '/api/v1/reconcile', undefined, await admin());
    expect(res.status).toBe(200);
    return res.body;
  };
  const audited = () => new Set(fake.of('AssumeRoot').map((c) => c.input.TargetPrincipal as string));

  beforeAll(async () => {
    restoreKeys = useLocalAwsKeys();
    fake = new FakeAws();
    ids.clean = fake.addAccount({ name: 'payments-prod', email: 'aws-2-1@contoso.com' }).id;
    ids.legacy = fake.addAccount({ name: 'legacy-shop', email: 'aws-2-2@contoso.com' }).id;
    ids.password = fake.addAccount({ name: 'data-lake', email: 'aws-2-3@contoso.com' }).id;
    ids.suspended = fake.addAccount({ name: 'old', email: 'aws-2-4@contoso.com', state: 'SUSPENDED' }).id;
    ids.outside = fake.addAccount({ name: 'not-ours', email: 'someone@example.org' }).id;
    fake.root.givePassword(ids.legacy);
    ids.key = fake.root.addAccessKey(ids.legacy, { lastUsedAt: new Date('2026-04-28T07:15:00Z') });
    fake.root.addMfaDevice(ids.legacy);
    fake.root.givePassword(ids.password, new Date('2025-11-02T14:00:00Z'));
    await fake.start();
    issuer = await new TokenIssuer().start();
    t = await startTestApp({
      store,
      env: { ...awsEnv(fake), ...issuer.env(), ADMIN_IDS: carol.aadObjectId },
      overrides: { awsRetry: FAST_AWS_RETRY, rootAuditPace: pace },
    });
    fake.now = () => t.clock.now();
    const owner = { id: alice.aadObjectId, upn: alice.upn, name: alice.name };
    for (const [i, id] of [ids.clean, ids.legacy, ids.password, ids.suspended].entries()) {
      const address = `aws-2-${i + 1}@contoso.com`;
      await t.app.store.create('addresses', address, record(address, { owner, awsAccountId: id }));
    }
    await t.send(channelMessage(t.connector.url, carol, 'setup oncall'));
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await issuer?.stop();
    restoreKeys();
  });

  it('says once, with the commands, when the organisation has centralized root access off; the rest still runs', async () => {
    const first = await reconcile();
    const second = await reconcile();
    expect(first).toMatchObject({ state: 'done', accounts: 6, rootAudit: { off: true, audited: 0 } });
    expect(second.rootAudit).toMatchObject({ off: true });
    const alerts = oncallTexts(t).filter((text) => /Centralized root access is off/.test(text));
    expect(alerts).toEqual([
      expect.stringMatching(
        /trusted access for IAM is not enabled.*aws organizations enable-aws-service-access --service-principal iam\.amazonaws\.com.*aws iam enable-organizations-root-credentials-management.*aws iam enable-organizations-root-sessions/,
      ),
    ]);
    expect(fake.of('AssumeRoot')).toEqual([]);
    // Addresses are reconciled as before: the account outside the registry is reported.
    expect(oncallTexts(t).some((text) => text.includes(`Account ${ids.outside} (not-ours)`))).toBe(true);
    await t.send(personalMessage(t.connector.url, carol, 'status'));
    expect(textOf(t.connector.of('reply', personalConversationId(carol)).at(-1)!.body)).toMatch(
      /AWS root users\nnot audited: centralized root access is off/,
    );
  });

  it('audits every linked ACTIVE member account in an IAMAuditRootUserCredentials session, paced', async () => {
    fake.root.enable();
    fake.calls.length = 0;
    const asked = performance.now();
    const run = await reconcile();
    expect(audited()).toEqual(new Set([ids.clean, ids.legacy, ids.password]));
    const assumed = fake.of('AssumeRoot');
    expect(assumed.every((c) => c.rootTask === 'IAMAuditRootUserCredentials')).toBe(true);
    expect(assumed.every((c) => c.input.DurationSeconds === '900')).toBe(true);
    // 20 audits a second at most: the third cannot start before two gaps of 50 ms have passed.
    const starts = assumed.map((c) => c.at).sort((a, b) => a - b);
    expect(starts[2] - asked).toBeGreaterThanOrEqual(100);
    expect(run.rootAudit).toEqual({
      audited: 3,
      failed: 0,
      deferred: 0,
      checked: 3,
      withCredentials: 2,
      withAccessKeys: 1,
      withPassword: 2,
      failing: 0,
    });
  });

  it('reports a root access key and a root password to on-call once each, in words, with the account', async () => {
    const cards = oncall(t).filter((c) => /Root access key|Root password/.test(textOf(c.body.activity)));
    const texts = cards.map((c) => textOf(c.body.activity));
    expect(texts).toHaveLength(3);
    expect(texts).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `Root access key in a member account\\nThe root user of AWS account ${ids.legacy} \\(legacy-shop\\) has 1 access key \\(AKIA…\\w{4} active, last used 2026-04-28\\)`,
          ),
        ),
        expect.stringMatching(
          new RegExp(
            `The root user of AWS account ${ids.password} \\(data-lake\\) has a password \\(set 2025-11-02\\)`,
          ),
        ),
        expect.stringMatching(
          new RegExp(`The root user of AWS account ${ids.legacy} \\(legacy-shop\\) has a password`),
        ),
      ]),
    );
    for (const c of cards) expect(adaptiveCardProblems(c.body.activity.attachments[0].content)).toEqual([]);
    const again = await reconcile();
    expect(again).toMatchObject({ reported: 0, byKind: { 'root-access-key': 1, 'root-password': 2 } });
    expect(
      oncall(t).filter((c) => /Root access key|Root password/.test(textOf(c.body.activity))),
    ).toHaveLength(3);
  });

  it('whois, the API and status show the posture', async () => {
    await t.send(personalMessage(t.connector.url, alice, 'whois aws-2-2@contoso.com'));
    const card = textOf(t.connector.of('reply', personalConversationId(alice)).at(-1)!.body);
    expect(card).toMatch(
      /Root user\na password \(set 2021-06-01\), 1 access key \(AKIA…\w{4} active, last used 2026-04-28\), 1 MFA device \(checked \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/,
    );
    await t.send(personalMessage(t.connector.url, alice, 'whois aws-2-1@contoso.com'));
    expect(textOf(t.connector.of('reply', personalConversationId(alice)).at(-1)!.body)).toMatch(
      /Root user\nno root credentials \(checked/,
    );

    const reader = await issuer.bearer({ oid: 'reader', roles: ['Addresses.Read'] });
    const listed = await t.request('GET', '/api/v1/addresses?address=aws-2-2@contoso.com', undefined, reader);
    expect(listed.body[0].rootUser).toMatchObject({
      hasCredentials: true,
      password: true,
      passwordCreatedAt: '2021-06-01T08:00:00.000Z',
      accessKeys: [
        { id: expect.stringMatching(/^AKIA…\w{4}$/), active: true, lastUsedAt: '2026-04-28T07:15:00.000Z' },
      ],
      mfaDevices: 1,
      signingCertificates: 0,
    });
    expect(JSON.stringify(listed.body)).not.toContain(ids.key); // the whole key id stays in the registry
    const one = await t.request('GET', '/api/v1/addresses/aws-2-1@contoso.com', undefined, reader);
    expect(one.body.rootUser).toMatchObject({
      hasCredentials: false,
      summary: expect.stringMatching(/^no root credentials/),
    });
    const suspended = await t.request('GET', '/api/v1/addresses/aws-2-4@contoso.com', undefined, reader);
    expect(suspended.body.rootUser).toBeUndefined(); // never audited: AssumeRoot reaches ACTIVE accounts only
    const described = await t.request('GET', '/api/v1/openapi.json');
    expect(described.body.components.schemas.AddressRecord.properties.rootUser).toEqual({
      $ref: '#/components/schemas/RootUser',
    });

    const status = await t.request('GET', '/api/v1/status', undefined, await admin());
    expect(status.body.aws.lastRun.rootAudit).toMatchObject({ withCredentials: 2, withAccessKeys: 1 });
    expect(status.body.warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/^1 AWS account\(s\) have root access keys/)]),
    );
    await t.send(personalMessage(t.connector.url, carol, 'status'));
    expect(textOf(t.connector.of('reply', personalConversationId(carol)).at(-1)!.body)).toMatch(
      /AWS root users\nroot credentials in 2 of 3 linked member account\(s\) \(1 with access keys, 2 with a password\); this run checked 3/,
    );
  });

  it('the hourly run audits each account about once a day; a key deleted in AWS resolves its finding', async () => {
    fake.calls.length = 0;
    t.clock.advance(HOUR);
    await t.app.runJobs();
    expect(fake.of('ListAccounts').length).toBeGreaterThan(0); // the hourly run ran…
    expect(fake.of('AssumeRoot')).toEqual([]); // …and audited nobody: all were checked an hour ago

    fake.root.user(ids.legacy).accessKeys.length = 0; // someone removed it in the console
    t.clock.advance(24 * HOUR);
    await t.app.runJobs();
    expect(audited()).toEqual(new Set([ids.clean, ids.legacy, ids.password]));
    const keyCard = oncall(t).find((c) => /Root access key/.test(textOf(c.body.activity)))!;
    const update = t.connector
      .of('update')
      .filter((u) => u.targetActivityId === keyCard.activityId)
      .at(-1);
    expect(textOf(update?.body)).toMatch(/Resolved: reconciliation no longer sees this/);
  });

  it('a run whose time budget is spent audits the stalest accounts and leaves the rest to the next run', async () => {
    t.clock.advance(HOUR); // the last run's root sessions are over
    fake.calls.length = 0;
    pace.budgetMs = 0; // only the first audit, which always goes alone, starts in time
    try {
      const run = await reconcile();
      expect(run.rootAudit).toMatchObject({ audited: 1, deferred: 2, failed: 0 });
      expect(fake.of('AssumeRoot')).toHaveLength(1);
    } finally {
      pace.budgetMs = 60_000;
    }
  });

  it('when AWS refuses AssumeRoot: the run still reconciles, on-call hears it once, findings stay open', async () => {
    fake.calls.length = 0;
    t.clock.advance(HOUR); // the last run's root sessions (15 minutes) are over
    fake.fail('AssumeRoot', 'access-denied', 10);
    const before = oncall(t).length;
    const run = await reconcile();
    expect(run.state).toBe('done');
    expect(run.rootAudit).toMatchObject({
      audited: 0,
      failed: 1, // the first refusal stops the audit: the role's policy is the same for every account
      problem: expect.stringMatching(/may not call sts:AssumeRoot .*infra\/aws\/rootmail-role\.yaml/),
      withPassword: 2,
    });
    expect(fake.of('AssumeRoot')).toHaveLength(1);
    expect(run.resolved).toBe(0);
    await reconcile();
    const told = oncallTexts(t)
      .slice(before)
      .filter((text) => /cannot audit member accounts' root users/.test(text));
    expect(told).toHaveLength(1);
    fake.clearFaults();
    expect((await reconcile()).rootAudit).toMatchObject({ audited: 3, failed: 0, failing: 0 });
  });
});
