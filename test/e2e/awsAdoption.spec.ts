import type { Adoption } from '../../src/domain/adoptions';
import { person } from '../../src/domain/permissions';
import {
  channelMessage,
  ONCALL_CHANNEL_ID,
  personalConversationId,
  personalMessage,
  TEAM_ID,
} from '../support/activities';
import { adaptiveCardProblems } from '../support/adaptiveCardProblems';
import { poolCsv } from '../support/addressFixtures';
import { awsEnv, codeMail, FAST_AWS_RETRY, record, useLocalAwsKeys } from '../support/awsSupport';
import { FakeAws, OtpMail } from '../support/fakeAws';
import type { ConnectorCall } from '../support/fakeBotConnector';
import type { FakeGraph } from '../support/fakeGraph';
import { FakeGraphMailbox } from '../support/fakeGraphMailbox';
import { click, startDirectory } from '../support/requestFlow';
import { cardOf, startTestApp, TestApp, textOf } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { users } from '../support/users';

const { carol, frank } = users;
const MAILBOX = 'rootmail@contoso.com';
const CLIENT_STATE = 'adoption-test-client-state';
const CODE_MINUTES = 30;

/**
 * Adoption over real HTTP, with the real AWS SDK against the loopback AWS and the code mail arriving through
 * the fake Graph the way AWS sends it: `adopt` → the usual approval → StartPrimaryEmailUpdate → the code
 * mail → AcceptPrimaryEmailUpdate → COMPLETED → linked. And each way it can end.
 */
describe('adopting an existing AWS account (embedded store)', () => {
  let fake: FakeAws;
  let t: TestApp;
  let graph: FakeGraph;
  let mailbox: FakeGraphMailbox;
  let issuer: TokenIssuer;
  let restoreKeys: () => void;
  /** What the fake "mails" after StartPrimaryEmailUpdate: delivered as is, with another code, or not at all. */
  let mailAs: 'sent' | 'wrong-code' | 'lost' = 'sent';
  let deliveries: Promise<unknown>[] = [];
  const sentCodes: string[] = [];

  async function deliver(mail: OtpMail): Promise<void> {
    sentCodes.push(mail.otp);
    if (mailAs === 'lost') return;
    const raw = codeMail(mail, mailAs === 'wrong-code' ? 'WR0NG1' : mail.otp);
    const id = mailbox.deliver(raw, t.clock.now().toISOString());
    const res = await t.request(
      'POST',
      '/api/graph/notifications',
      mailbox.notification([id]),
      {},
      { settle: false },
    );
    if (res.status !== 202) throw new Error(`notification answered ${res.status}`);
  }

  /** `adopt <id>` by Carol; answers the adoption and its request id. */
  async function adopt(accountId: string): Promise<{ adoption: Adoption; reply: ConnectorCall }> {
    const before = t.connector.calls.length;
    await t.send(personalMessage(t.connector.url, carol, `adopt ${accountId}`));
    const reply = t.connector.calls
      .slice(before)
      .find((c) => c.kind === 'reply' && c.conversationId === personalConversationId(carol))!;
    const adoptionId = /adp-[0-9a-f]{8}/.exec(JSON.stringify(reply.body))?.[0];
    if (!adoptionId) throw new Error(`no adoption: ${textOf(reply.body)}`);
    return { adoption: (await t.app.services.aws!.adoptions.get(adoptionId))!, reply };
  }

  /** Frank approves; the code mail AWS sends is delivered; everything it started has finished. */
  async function approveAndDeliver(requestId: string): Promise<void> {
    deliveries = [];
    await click(t, frank, 'request.approve', requestId);
    await Promise.all(deliveries);
    await t.app.idle();
  }

  const adoptionOf = async (id: string) => (await t.app.services.aws!.adoptions.get(id))!;
  const oncallThreads = () =>
    t.connector
      .of('createConversation')
      .filter((c) => c.body?.channelData?.channel?.id === ONCALL_CHANNEL_ID);

  beforeAll(async () => {
    restoreKeys = useLocalAwsKeys();
    fake = new FakeAws();
    fake.onOtp = (mail) => {
      const delivered = deliver(mail);
      deliveries.push(delivered);
      return delivered;
    };
    await fake.start();
    graph = await startDirectory();
    mailbox = new FakeGraphMailbox(graph, MAILBOX);
    issuer = await new TokenIssuer().start();
    t = await startTestApp({
      env: {
        ...awsEnv(fake),
        ...issuer.env(),
        GRAPH_BASE_URL: graph.baseUrl,
        MAILBOX,
        PUBLIC_BASE_URL: 'https://rootmail.contoso.com',
        GRAPH_CLIENT_STATE: CLIENT_STATE,
        ADMIN_IDS: carol.aadObjectId,
        APPROVER_IDS: frank.aadObjectId,
        ADOPTION_CODE_MINUTES: String(CODE_MINUTES),
      },
      overrides: { awsRetry: FAST_AWS_RETRY },
    });
    fake.now = () => t.clock.now();
    await t.app.services.pool.importCsv(poolCsv(1, 8), person(carol.aadObjectId, carol.name, true));
    await t.send(channelMessage(t.connector.url, carol, 'setup oncall'));
    t.connector.addMembers(TEAM_ID, users.dave.aadObjectId);
    await t.send(personalMessage(t.connector.url, frank, 'help')); // Frank has a personal chat with the bot
    await t.app.runJobs(); // the Graph subscription (and a first reconciliation)
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await graph?.stop();
    await issuer?.stop();
    restoreKeys();
  });
  beforeEach(() => {
    mailAs = 'sent';
    fake.trustedAccessForAccountManagement = true;
  });

  it('from `adopt` to linked: approval, the code mail taken from the mailbox (never posted), the link', async () => {
    const account = fake.addAccount({ name: 'Payments DR', email: 'jane.doe@example.org' });
    const start = t.connector.calls.length;
    const { adoption, reply } = await adopt(account.id);
    expect(adoption).toMatchObject({
      state: 'awaiting-approval',
      accountId: account.id,
      previousEmail: 'jane.doe@example.org',
    });
    expect(textOf(reply.body)).toMatch(/Adoption of AWS account \d{12} \(Payments DR\)/);
    expect(textOf(reply.body)).toMatch(/Waiting for approval of the address request req-/);
    const request = (await t.app.services.requests.get(adoption.requestId))!;
    expect(request).toMatchObject({
      state: 'pending',
      accountName: 'payments-dr',
      environment: 'prod',
      adoptsAccountId: account.id,
      approvers: [{ id: frank.aadObjectId }],
    });
    const approval = t.connector.calls
      .slice(start)
      .find((c) => c.kind !== 'createConversation' && c.conversationId === personalConversationId(frank))!;
    expect(textOf(approval.body)).toMatch(
      /Adoption of existing AWS account \d{12} \(Payments DR\): its root e-mail moves from jane.doe@example.org/,
    );

    await approveAndDeliver(adoption.requestId);

    const done = await adoptionOf(adoption.adoptionId);
    expect(done).toMatchObject({
      state: 'linked',
      codeRequests: 1,
      codeMailId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const alias = done.address!;
    expect(fake.account(account.id)?.email).toBe(alias);
    expect(await t.app.services.addresses.get(alias)).toMatchObject({
      state: 'assigned',
      awsAccountId: account.id,
      accountName: 'payments-dr',
      owner: { id: carol.aadObjectId },
    });
    expect(fake.of('StartPrimaryEmailUpdate').map((c) => c.input)).toEqual([
      { AccountId: account.id, PrimaryEmail: alias },
    ]);
    expect(fake.of('AcceptPrimaryEmailUpdate').map((c) => c.input)).toEqual([
      { AccountId: account.id, Otp: sentCodes.at(-1), PrimaryEmail: alias },
    ]);
    expect(fake.of('GetPrimaryEmailUpdateStatus').map((c) => c.status)).toEqual([200, 200]);

    // A relay redone after a crash may hand the same mail over again: taken already, not posted, AWS not asked.
    const accepts = fake.of('AcceptPrimaryEmailUpdate').length;
    const again = {
      address: alias,
      code: 'AGA1N2',
      mailId: done.codeMailId!,
      receivedAt: '2026-01-01T09:00:00Z',
    };
    expect(await t.app.services.aws!.adoptions.take(again)).toBe(true);
    expect(await t.app.services.aws!.adoptions.take({ ...again, mailId: 'f'.repeat(64) })).toBe(false);
    expect(fake.of('AcceptPrimaryEmailUpdate')).toHaveLength(accepts);

    // The code went to AWS and nowhere else: no card, no secret kept, no log line, no audit entry.
    const code = sentCodes.at(-1)!;
    const mail = (await t.app.store.get<{ state: string }>('mails', done.codeMailId!))!;
    expect(mail).toMatchObject({ state: 'handed-over', secretState: 'none' });
    expect(await t.app.store.get('secrets', done.codeMailId!)).toBeUndefined();
    expect(JSON.stringify(t.connector.calls)).not.toContain(code);
    expect(t.logs.join('\n')).not.toContain(code);
    const audit = await t.app.services.audit.about(adoption.adoptionId);
    expect(JSON.stringify(audit)).not.toContain(code);
    expect(audit.map((e) => e.action).sort()).toEqual(
      [
        'adoption.started',
        'adoption.address-given',
        'adoption.code-requested',
        'adoption.code-received',
        'adoption.code-accepted',
        'adoption.change-completed',
        'adoption.linked',
      ].sort(),
    );
    expect(
      (await t.app.services.audit.about(alias)).find((e) => e.action === 'address.linked'),
    ).toMatchObject({
      actorId: 'adoption',
    });

    // What Carol and on-call read, in order.
    const story = t.connector.calls
      .slice(start)
      .filter(
        (c) =>
          c.conversationId === personalConversationId(carol) ||
          c.body?.channelData?.channel?.id === ONCALL_CHANNEL_ID ||
          c.conversationId?.startsWith(ONCALL_CHANNEL_ID),
      )
      .map(
        (c) =>
          `${c.kind} ${c.conversationId?.startsWith('a:') ? 'Carol' : 'on-call'}: ${textOf(c.body.activity ?? c.body).replace(/\n/g, ' | ')}`,
      );
    if (process.env.SHOW_ADOPTION_CARDS) console.log(story.join('\n\n'));
    expect(story.join('\n')).toMatch(
      /Your root e-mail address is ready[\s\S]*Nothing to do: RootMail now asks AWS to move the root e-mail/,
    );
    expect(story.join('\n')).not.toMatch(/AWS sent a mail/); // no owner note for a handed-over code
    const final = story.filter((line) => /Done: AWS account \d{12} now has/.test(line));
    expect(final.map((l) => l.split(':')[0].split(' ')[1])).toEqual(['Carol', 'on-call']);
    const copies = done.cardCopies.map((c) => c.audience).sort();
    expect(copies).toEqual(['channel', 'requester']);
    for (const copy of done.cardCopies) {
      const last = t.connector
        .of('update')
        .filter((u) => u.targetActivityId === copy.activityId)
        .at(-1)!;
      expect(textOf(last.body)).toMatch(
        /Linked: .* is the root e-mail of account \d{12} and is linked in the registry/,
      );
      expect(adaptiveCardProblems(cardOf(last.body))).toEqual([]);
    }
  });

  it('a wrong code: AWS refuses it, the adoption ends with a clear card, the alias goes back to quarantine', async () => {
    const account = fake.addAccount({ name: 'ledger', email: 'bob.legacy@example.org' });
    const { adoption } = await adopt(account.id);
    mailAs = 'wrong-code';
    const postsBefore = oncallThreads().length;
    await approveAndDeliver(adoption.requestId);

    const ended = await adoptionOf(adoption.adoptionId);
    expect(ended).toMatchObject({ state: 'ended', ended: { reason: 'code-rejected' } });
    expect(ended.ended?.problem).toMatch(/AWS rejected the one-time code/);
    expect((await t.app.services.addresses.get(ended.address!))?.state).toBe('quarantined');
    expect(fake.account(account.id)?.email).toBe('bob.legacy@example.org');
    // Not posted as a mail card either: the code was for the adoption.
    expect(
      oncallThreads()
        .slice(postsBefore)
        .map((c) => textOf(c.body.activity)),
    ).not.toContainEqual(expect.stringMatching(/Root e-mail change code|Verification/));
    const told = t.connector
      .sentMessages()
      .filter((c) => /Ended: AWS rejected the one-time code/.test(textOf(c.body)));
    expect(told.length).toBeGreaterThanOrEqual(2); // Carol and on-call
    expect(textOf(told[0].body)).toMatch(/The account keeps its old root e-mail/);
    expect((await t.app.services.audit.about(adoption.adoptionId)).map((e) => e.action)).toEqual(
      expect.arrayContaining(['adoption.code-rejected', 'adoption.address-quarantined']),
    );
  });

  it('the end is told at most once: on-call’s post refused, the step retried later, Carol not told twice', async () => {
    const account = fake.addAccount({ name: 'vault', email: 'vault-owner@example.org' });
    const { adoption } = await adopt(account.id);
    mailAs = 'wrong-code';
    const endedNote = (c: { body: unknown }) =>
      /Ended: AWS rejected the one-time code/.test(JSON.stringify(c.body));
    const inCarolsChat = (c: { path: string }) =>
      decodeURIComponent(c.path).includes(personalConversationId(carol));
    t.connector.fail((c) => c.method === 'POST' && endedNote(c) && !inCarolsChat(c), 403);
    const before = t.connector.calls.length;
    await approveAndDeliver(adoption.requestId);
    expect((await adoptionOf(adoption.adoptionId)).steps).toEqual(['tell']); // on-call not told yet

    t.clock.advance(3 * 60_000);
    await t.app.runJobs();
    const told = t.connector.calls
      .slice(before)
      .filter((c) => c.method === 'POST' && endedNote(c) && !c.answeredWith);
    expect(told.filter(inCarolsChat)).toHaveLength(1);
    expect(told.filter((c) => !inCarolsChat(c))).toHaveLength(1);
    expect(await adoptionOf(adoption.adoptionId)).toMatchObject({ workPending: false });
  });

  it('AWS refusing the change (trusted access off) ends it with AWS’s advice, the alias back in quarantine', async () => {
    const account = fake.addAccount({ name: 'archive', email: 'archive-owner@example.org' });
    const { adoption } = await adopt(account.id);
    const codesBefore = sentCodes.length;
    fake.trustedAccessForAccountManagement = false;
    await approveAndDeliver(adoption.requestId);

    const ended = await adoptionOf(adoption.adoptionId);
    expect(ended).toMatchObject({ state: 'ended', ended: { reason: 'aws-refused' } });
    expect(ended.ended?.problem).toMatch(
      /Trusted access for AWS Account Management is not enabled.*enable-aws-service-access/,
    );
    expect((await t.app.services.addresses.get(ended.address!))?.state).toBe('quarantined');
    expect(sentCodes).toHaveLength(codesBefore); // nothing was mailed for this one
  });

  it('AWS unreachable when the change should start: the step is kept and the job retries it once its hold lapsed', async () => {
    const account = fake.addAccount({ name: 'warehouse', email: 'warehouse@example.org' });
    const { adoption } = await adopt(account.id);
    const starts = () => fake.of('StartPrimaryEmailUpdate').filter((c) => c.input.AccountId === account.id);
    fake.fail('StartPrimaryEmailUpdate', 'internal-error', FAST_AWS_RETRY.maxAttempts);
    await approveAndDeliver(adoption.requestId);
    expect(starts().map((c) => c.status)).toEqual(Array(FAST_AWS_RETRY.maxAttempts).fill(500));
    expect(await adoptionOf(adoption.adoptionId)).toMatchObject({
      state: 'awaiting-code',
      steps: ['start-update'],
    });

    deliveries = [];
    await t.app.runJobs(); // the step is still held by the instance that tried it
    expect(starts()).toHaveLength(FAST_AWS_RETRY.maxAttempts);
    t.clock.advance(3 * 60_000);
    await t.app.runJobs();
    await Promise.all(deliveries);
    await t.app.idle();
    expect(starts().at(-1)?.status).toBe(200);
    expect(await adoptionOf(adoption.adoptionId)).toMatchObject({ state: 'linked' });
  });

  it('no code within ADOPTION_CODE_MINUTES: the job ends it and quarantines the alias', async () => {
    const account = fake.addAccount({ name: 'mobile-app', email: 'mobile@example.org' });
    const { adoption } = await adopt(account.id);
    mailAs = 'lost';
    await approveAndDeliver(adoption.requestId);
    const waiting = await adoptionOf(adoption.adoptionId);
    expect(waiting).toMatchObject({ state: 'awaiting-code' });
    const copy = waiting.cardCopies.find((c) => c.audience === 'requester')!;
    const shown = t.connector
      .of('update')
      .filter((u) => u.targetActivityId === copy.activityId)
      .at(-1)!;
    expect(textOf(shown.body)).toMatch(
      new RegExp(
        `AWS has mailed a one-time code to ${waiting.address}; RootMail takes it from the mailbox by itself \\(it is never posted\\)`,
      ),
    );

    t.clock.advance((CODE_MINUTES - 1) * 60_000);
    await t.app.runJobs();
    expect(await adoptionOf(adoption.adoptionId)).toMatchObject({ state: 'awaiting-code' });
    t.clock.advance(2 * 60_000);
    await t.app.runJobs();

    const ended = await adoptionOf(adoption.adoptionId);
    expect(ended).toMatchObject({ state: 'ended', ended: { reason: 'code-timeout' } });
    expect(ended.ended?.problem).toMatch(
      new RegExp(`No code from AWS arrived at ${ended.address} within ${CODE_MINUTES} minutes`),
    );
    expect((await t.app.services.addresses.get(ended.address!))?.state).toBe('quarantined');
    // A code that comes after all is no longer taken: it is posted (masked) like any other.
    mailAs = 'sent';
    const posts = oncallThreads().length;
    deliveries = [deliver({ ...fake.otpMails.at(-1)!, otp: 'LATE42' })];
    await Promise.all(deliveries);
    await t.app.idle();
    expect(
      oncallThreads()
        .slice(posts)
        .map((c) => textOf(c.body.activity))
        .join('\n'),
    ).toMatch(/Root e-mail change code|Verification/);
  });

  it('an account whose root e-mail is already ours is simply linked', async () => {
    await t.app.store.create(
      'addresses',
      'aws-9-9@contoso.com',
      record('aws-9-9@contoso.com', { owner: { id: carol.aadObjectId, name: carol.name } }),
    );
    const account = fake.addAccount({ name: 'already-ours', email: 'aws-9-9@contoso.com' });
    await t.send(personalMessage(t.connector.url, carol, `adopt ${account.id}`));
    const reply = t.connector.of('reply', personalConversationId(carol)).at(-1)!;
    expect(textOf(reply.body)).toMatch(/Linked: its root e-mail was already one of ours/);
    expect((await t.app.services.addresses.get('aws-9-9@contoso.com'))?.awsAccountId).toBe(account.id);
    expect(fake.of('StartPrimaryEmailUpdate').filter((c) => c.input.AccountId === account.id)).toEqual([]);
  });

  it('POST /api/v1/adoptions: 202 with a status URL; refusals in words (management account, not admin, unknown)', async () => {
    const admin = await issuer.bearer({ oid: 'automation', roles: ['Addresses.Admin'] });
    const account = fake.addAccount({ name: 'Team Sandbox 7', email: 'sandbox7@example.org' });
    const res = await t.request('POST', '/api/v1/adoptions', { awsAccountId: account.id }, admin);
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toMatch(/^\/api\/v1\/adoptions\/adp-[0-9a-f]{8}$/);
    const followed = await t.request('GET', res.headers.get('location')!, undefined, admin);
    expect(followed.body).toMatchObject({
      state: 'awaiting-approval',
      accountId: account.id,
      accountName: 'Team Sandbox 7',
    });
    expect((await t.app.services.requests.get(res.body.requestId))?.environment).toBe('sandbox');
    const again = await t.request('POST', '/api/v1/adoptions', { awsAccountId: account.id }, admin);
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/already under way/);

    const management = await t.request(
      'POST',
      '/api/v1/adoptions',
      { awsAccountId: fake.managementAccountId },
      admin,
    );
    expect(management.status).toBe(409);
    expect(management.body.detail).toMatch(
      /management account: AWS does not change its root e-mail through the API/,
    );
    const unknown = await t.request('POST', '/api/v1/adoptions', { awsAccountId: '999999999999' }, admin);
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toMatch(/no AWS account 999999999999/);
    const reader = await issuer.bearer({ oid: 'reader', roles: ['Addresses.Read'] });
    expect((await t.request('POST', '/api/v1/adoptions', { awsAccountId: account.id }, reader)).status).toBe(
      403,
    );
  });

  it('the role outside the management account: `adopt` says so in one sentence', async () => {
    const account = fake.addAccount({ name: 'elsewhere', email: 'elsewhere@example.org' });
    fake.callerAccountId = '222222222222';
    try {
      await t.send(personalMessage(t.connector.url, carol, `adopt ${account.id}`));
    } finally {
      fake.callerAccountId = fake.managementAccountId;
    }
    const reply = t.connector.of('reply', personalConversationId(carol)).at(-1)!;
    expect(reply.body.text).toMatch(
      /neither the organisation's management account nor a delegated administrator/,
    );
  });
});
