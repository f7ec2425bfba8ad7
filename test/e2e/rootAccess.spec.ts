import { person } from '../../src/domain/permissions';
import type { RootAccess } from '../../src/domain/rootAccess';
import {
  APPROVALS_CHANNEL_ID,
  cardAction,
  channelMessage,
  ONCALL_CHANNEL_ID,
  personalConversationId,
  personalMessage,
  TEAM_ID,
} from '../support/activities';
import { adaptiveCardProblems } from '../support/adaptiveCardProblems';
import { awsEnv, FAST_AWS_RETRY, record, resetMail, useLocalAwsKeys } from '../support/awsSupport';
import { FakeAws } from '../support/fakeAws';
import type { FakeResetMail } from '../support/fakeAwsRoot';
import type { ConnectorCall } from '../support/fakeBotConnector';
import type { FakeGraph } from '../support/fakeGraph';
import { FakeGraphMailbox } from '../support/fakeGraphMailbox';
import { invokeCardText, startDirectory } from '../support/requestFlow';
import { cardOf, startTestApp, TestApp, textOf } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { TestUser, users } from '../support/users';

const { alice, bob, carol, dave, eve, frank } = users;
const MAILBOX = 'rootmail@contoso.com';
const CLIENT_STATE = 'root-access-test-client-state';
const MINUTE = 60_000;

/**
 * Break-glass root access over real HTTP, with the real STS and IAM clients against the loopback AWS (whose
 * root sessions may do exactly what their task policy allows) and the real relay reading AWS's reset mail from
 * the Graph mailbox: audit → finding → request → self-approval refused → approval → Start (CreateLoginProfile in
 * an IAMCreateRootUserPassword session) → "Forgot password?" → the reset mail to the requester alone → done
 * (DeleteLoginProfile in an IAMDeleteRootUserCredentials session) → posture clean. And the timer that ends a
 * forgotten session, Start's window, the removal of a legacy key from its finding, root access off, AWS
 * refusing. No reset link anywhere but in the requester's Reveal.
 */
describe.each(['embedded', 'cosmos'] as const)('break-glass root access (%s store)', (store) => {
  let fake: FakeAws;
  let t: TestApp;
  let graph: FakeGraph;
  let mailbox: FakeGraphMailbox;
  let issuer: TokenIssuer;
  let restoreKeys: () => void;
  const ids: Record<string, string> = {};
  const address = (name: string) => `aws-ra-${name}@contoso.com`;

  const chatOf = (user: TestUser) => personalConversationId(user);
  const sentTo = (user: TestUser, since = 0) =>
    t.connector.calls
      .slice(since)
      .filter((c) => c.conversationId === chatOf(user) && (c.kind === 'post' || c.kind === 'reply'));
  const oncall = (since = 0) =>
    t.connector.calls.slice(since).filter((c) => c.body?.channelData?.channel?.id === ONCALL_CHANNEL_ID);
  const texts = (calls: ConnectorCall[]) => calls.map((c) => textOf(c.body));
  const accessOf = async (id: string) => (await t.app.services.aws!.rootAccess.get(id))!;
  const say = (user: TestUser, text: string) => t.send(personalMessage(t.connector.url, user, text));
  const click = (user: TestUser, verb: string, data: Record<string, unknown>) =>
    t.send(cardAction(t.connector.url, user, verb, { verb, ...data }, { id: chatOf(user) }));

  /** `root-access <account> <reason>` typed by `user`; answers the access id from the card they got. */
  async function ask(user: TestUser, account: string, reason: string): Promise<string> {
    const before = t.connector.calls.length;
    await say(user, `root-access ${account} ${reason}`);
    const answer = texts(sentTo(user, before)).join('\n');
    const id = /ra-[0-9a-f]{8}/.exec(answer)?.[0];
    if (!id) throw new Error(`no root access was created: ${answer}`);
    return id;
  }

  /** AWS mails what "Forgot password?" made it send; the relay reads it from the mailbox (a Graph notification). */
  async function forgotPassword(accountId: string): Promise<FakeResetMail> {
    const mail = fake.root.forgotPassword(accountId);
    const id = mailbox.deliver(resetMail(mail), t.clock.now().toISOString());
    const res = await t.request('POST', '/api/graph/notifications', mailbox.notification([id]));
    expect(res.status).toBe(202);
    return mail;
  }

  /** Asked by Alice, approved by Bob, started by Alice: an open session. */
  async function openSession(account: string, reason = 'check the billing console as root'): Promise<string> {
    const id = await ask(alice, account, reason);
    await click(bob, 'root-access.approve', { accessId: id });
    await click(alice, 'root-access.start', { accessId: id });
    expect((await accessOf(id)).state).toBe('open');
    return id;
  }

  beforeAll(async () => {
    restoreKeys = useLocalAwsKeys();
    fake = new FakeAws();
    for (const name of ['sandbox', 'legacy', 'forgotten', 'unstarted', 'refusing', 'racing', 'off'])
      ids[name] = fake.addAccount({ name: `${name}-acct`, email: address(name) }).id;
    fake.root.enable();
    fake.root.givePassword(ids.legacy);
    ids.legacyKey = fake.root.addAccessKey(ids.legacy, { lastUsedAt: new Date('2026-04-28T07:15:00Z') });
    ids.legacyMfa = fake.root.addMfaDevice(ids.legacy);
    ids.forgottenMfa = fake.root.addMfaDevice(ids.forgotten);
    await fake.start();
    graph = await startDirectory();
    mailbox = new FakeGraphMailbox(graph, MAILBOX);
    issuer = await new TokenIssuer().start();
    t = await startTestApp({
      store,
      env: {
        ...awsEnv(fake),
        ...issuer.env(),
        GRAPH_BASE_URL: graph.baseUrl,
        MAILBOX,
        PUBLIC_BASE_URL: 'https://rootmail.contoso.com',
        GRAPH_CLIENT_STATE: CLIENT_STATE,
        ADMIN_IDS: carol.aadObjectId,
        APPROVER_IDS: `${frank.aadObjectId},${bob.aadObjectId}`,
        ROOT_ACCESS_MINUTES: '60',
        ROOT_ACCESS_START_HOURS: '4',
      },
      overrides: { awsRetry: FAST_AWS_RETRY },
    });
    fake.now = () => t.clock.now();
    // Alice's records, linked to their accounts as `link` links them.
    const owner = { id: alice.aadObjectId, upn: alice.upn, name: alice.name };
    const admin = person(carol.aadObjectId, carol.name, true);
    for (const name of [
      'sandbox',
      'legacy',
      'forgotten',
      'unstarted',
      'refusing',
      'racing',
      'off',
      'unlinked',
    ]) {
      await t.app.store.create(
        'addresses',
        address(name),
        record(address(name), { owner, accountName: `${name}-acct` }),
      );
      if (ids[name]) await t.app.services.addresses.linkAwsAccount(address(name), ids[name], admin);
    }
    await t.send(channelMessage(t.connector.url, carol, 'setup oncall'));
    t.connector.addMembers(TEAM_ID, dave.aadObjectId);
    for (const user of [alice, bob, carol, dave, frank]) await say(user, 'help'); // personal chats exist
    await t.app.runJobs(); // the Graph subscription; the first reconciliation audits the root users
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
    await graph?.stop();
    await issuer?.stop();
    restoreKeys();
  });
  afterEach(() => fake.clearFaults());

  it('the whole story: request, self-approval refused, approval, Start, the reset mail to the requester alone, done, posture clean', async () => {
    // The audit found the legacy account's key and password: findings for on-call, with a remove action.
    const findings = oncall().filter((c) => /Root access key|Root password/.test(textOf(c.body)));
    expect(texts(findings).join('\n')).toMatch(/legacy-acct/);
    expect(JSON.stringify(findings.map((c) => cardOf(c.body)))).toContain('root-credentials.remove');

    const mark = t.connector.calls.length;
    const id = await ask(alice, 'sandbox-acct', 'restore the S3 bucket policy that locks everyone out');
    const asked = texts(sentTo(alice, mark)).join('\n');
    expect(asked).toMatch(/Root access to sandbox-acct \(\d{12}\)/);
    expect(asked).toMatch(/Waiting for Bob Manager to approve/);
    expect(asked).toMatch(/Reason\nrestore the S3 bucket policy that locks everyone out/);
    const approval = sentTo(bob, mark).find((c) => /Approve/.test(JSON.stringify(c.body)))!;
    expect(textOf(approval.body)).toMatch(
      /Approving lets Alice Requester start a 60-minute session within 4 hours: RootMail then allows password recovery/,
    );
    expect(adaptiveCardProblems(cardOf(approval.body))).toEqual([]);

    // Nobody decides their own: Alice's own click is refused and recorded; nothing changes.
    const own = await click(alice, 'root-access.approve', { accessId: id });
    expect(invokeCardText(own.body)).toMatch(/You cannot approve your own root access, admins included/);
    expect((await accessOf(id)).state).toBe('pending');
    const nobody = await click(eve, 'root-access.approve', { accessId: id });
    expect(invokeCardText(nobody.body)).toMatch(/Only Bob Manager can decide this/);

    const beforeApproval = t.connector.calls.length;
    await click(bob, 'root-access.approve', { accessId: id, comment: 'go ahead, ticket INC-4711' });
    const approved = await accessOf(id);
    expect(approved).toMatchObject({ state: 'approved', decision: { by: { name: 'Bob Manager' } } });
    const toAlice = sentTo(alice, beforeApproval).concat(t.connector.of('update').slice(-5));
    expect(texts(toAlice).join('\n')).toMatch(
      /Approved by Bob Manager .*INC-4711.*Alice Requester can start/,
    );
    expect(JSON.stringify(toAlice.map((c) => cardOf(c.body)))).toContain('root-access.start');
    expect(fake.of('CreateLoginProfile')).toEqual([]); // nothing in AWS until Start

    // Bob cannot start it for her.
    expect(invokeCardText((await click(bob, 'root-access.start', { accessId: id })).body)).toMatch(
      /Only Alice Requester, who asked for it, can start this session/,
    );
    fake.calls.length = 0;
    const beforeStart = t.connector.calls.length;
    await click(alice, 'root-access.start', { accessId: id });
    const open = await accessOf(id);
    expect(open).toMatchObject({ state: 'open', before: { password: false } });
    expect(Date.parse(open.endsAt!) - Date.parse(open.startedAt!)).toBe(60 * MINUTE);
    const created = fake.of('CreateLoginProfile');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ rootTask: 'IAMCreateRootUserPassword', rootAccountId: ids.sandbox });
    expect(created[0].input.Password).toBeUndefined();
    expect(fake.root.user(ids.sandbox).password).toBeDefined();
    const instructions = texts(sentTo(alice, beforeStart)).join('\n');
    expect(instructions).toMatch(
      /1\. Open \[https:\/\/signin\.aws\.amazon\.com\/\]\(https:\/\/signin\.aws\.amazon\.com\/\), choose “Root user” and enter aws-ra-sandbox@contoso\.com/,
    );
    expect(instructions).toMatch(/Forgot password\?/);
    expect(instructions).toMatch(/root-access done sandbox-acct/);
    expect(texts(oncall(beforeStart)).join('\n')).toMatch(/Root access to sandbox-acct.*\n.*Open until/);

    // The session's password is no finding while the session is live.
    const run = await t.request(
      'POST',
      '/api/v1/reconcile',
      undefined,
      await issuer.bearer({ roles: ['Addresses.Admin'] }),
    );
    expect(run.body.byKind['root-password']).toBe(1); // the legacy account only
    await say(carol, 'status');
    expect(textOf(t.connector.of('reply', chatOf(carol)).at(-1)!.body)).toMatch(
      /1 break-glass root session\(s\) open/,
    );

    // "Forgot password?": AWS mails the link to the root address; it goes to Alice alone.
    const beforeMail = t.connector.calls.length;
    const reset = await forgotPassword(ids.sandbox);
    expect(reset.link).toMatch(/resetpassword/);
    const masked = sentTo(alice, beforeMail).find((c) => /Password reset/.test(textOf(c.body)))!;
    expect(textOf(masked.body)).toMatch(/for your root-access session/);
    expect(textOf(masked.body)).toMatch(/Reveal shows it to you, nobody else can/);
    const onCallNote = texts(oncall(beforeMail)).join('\n');
    expect(onCallNote).toMatch(
      new RegExp(
        `Password reset for sandbox-acct \\(${ids.sandbox}\\) was handed to Alice Requester alone, for root-access session ${id} approved by Bob Manager`,
      ),
    );
    const mailId = JSON.stringify(cardOf(masked.body)).match(/"mailId":"([0-9a-f]{64})"/)![1];
    const byOnCall = await click(dave, 'mail.reveal', { mailId });
    expect(JSON.stringify(byOnCall.body)).not.toContain(reset.link);
    expect(invokeCardText(byOnCall.body) + JSON.stringify(byOnCall.body)).toMatch(
      /handed to Alice Requester alone/,
    );
    const byAdmin = await click(carol, 'mail.reveal', { mailId });
    expect(JSON.stringify(byAdmin.body)).not.toContain(reset.link);
    const revealed = await click(alice, 'mail.reveal', { mailId });
    expect(JSON.stringify(revealed.body)).toContain(reset.link!);

    // Done: the password goes again in an IAMDeleteRootUserCredentials session, the posture is clean.
    fake.calls.length = 0;
    const beforeDone = t.connector.calls.length;
    await say(alice, 'root-access done sandbox-acct');
    const closed = await accessOf(id);
    expect(closed).toMatchObject({
      state: 'closed',
      closed: { outcome: 'done' },
      after: { password: false },
    });
    expect(closed.closed!.problem).toBeUndefined();
    expect(fake.of('DeleteLoginProfile')).toEqual([
      expect.objectContaining({
        rootTask: 'IAMDeleteRootUserCredentials',
        rootAccountId: ids.sandbox,
        status: 200,
      }),
    ]);
    expect(fake.root.user(ids.sandbox).password).toBeUndefined();
    const outcome =
      /Closed at .* \(ended by Alice Requester\): removed the password\. The root user now has no root credentials\./;
    expect(texts(sentTo(alice, beforeDone)).join('\n')).toMatch(outcome);
    expect(texts(sentTo(bob, beforeDone)).join('\n')).toMatch(outcome);
    expect(texts(oncall(beforeDone)).join('\n')).toMatch(outcome);
    expect((await t.app.services.aws!.postures.get(ids.sandbox))?.credentials).toMatchObject({
      password: false,
    });

    // Every step in the history, with the reason, in words.
    await say(alice, `audit ${id}`);
    const history = textOf(t.connector.of('reply', chatOf(alice)).at(-1)!.body);
    for (const line of [
      /Alice Requester asked for root access to sandbox-acct: “restore the S3 bucket policy/,
      /Approving refused to Alice Requester: she cannot decide her own|Decision refused to Alice Requester/,
      /Approved by Bob Manager: “go ahead, ticket INC-4711”/,
      /Started by Alice Requester/,
      /Password recovery allowed/,
      /Password reset .* handed to Alice Requester alone/,
      /Ended by Alice Requester/,
      /Removed the password/,
    ])
      expect(history).toMatch(line);
    await say(alice, `audit ${address('sandbox')}`);
    expect(textOf(t.connector.of('reply', chatOf(alice)).at(-1)!.body)).toMatch(/Approved by Bob Manager/);

    // The link: in Alice's Reveal only — never in a log, a card anyone else got, or the audit.
    expect(t.logs.join('\n')).not.toContain(reset.link!.split('token=')[1].slice(0, 20));
    expect(JSON.stringify(t.connector.calls)).not.toContain(reset.link!.split('token=')[1].slice(0, 20));
    const auditEvents = await t.app.store.query('audit', {});
    expect(JSON.stringify(auditEvents)).not.toContain(reset.link!.split('token=')[1].slice(0, 20));
  });

  it('a reset mail its requester cannot be reached for is tried again later, and never goes to on-call', async () => {
    const id = await openSession('sandbox-acct');
    t.connector.fail((c) => decodeURIComponent(c.path).includes(chatOf(alice)), 403);
    const before = t.connector.calls.length;
    await forgotPassword(ids.sandbox);
    expect(texts(sentTo(alice, before)).join('\n')).not.toMatch(/Password reset/);
    expect(texts(oncall(before)).join('\n')).not.toMatch(/Password reset/);
    t.clock.advance(MINUTE);
    await t.app.runJobs(); // the mail sweeper, on whichever instance
    expect(texts(sentTo(alice, before)).join('\n')).toMatch(
      /Password reset for sandbox-acct: for your root-access session/,
    );
    expect(texts(oncall(before)).join('\n')).toMatch(/was handed to Alice Requester alone/);
    // Done on the session card: the approver's click does not end it, the requester's does.
    await click(bob, 'root-access.done', { accessId: id });
    expect((await accessOf(id)).state).toBe('open');
    const done = await click(alice, 'root-access.done', { accessId: id });
    expect(invokeCardText(done.body)).toMatch(
      /Closing \(ended by Alice Requester at .*\): removing the root password/,
    );
    expect(await accessOf(id)).toMatchObject({ state: 'closed', closed: { outcome: 'done' } });
    expect(fake.root.user(ids.sandbox).password).toBeUndefined();
  });

  it('the timer closes a forgotten session; what was added during it is said, then removed; what was there stays', async () => {
    const id = await openSession('forgotten-acct');
    // While the session is open, someone adds an MFA device and an access key to the root user in the console.
    const addedMfa = fake.root.addMfaDevice(ids.forgotten).replace('root-account-mfa-device', 'new-device');
    fake.root.user(ids.forgotten).mfaDevices[1].serial = addedMfa;
    const addedKey = fake.root.addAccessKey(ids.forgotten);
    const before = t.connector.calls.length;
    t.clock.advance(59 * MINUTE);
    await t.app.runJobs();
    expect((await accessOf(id)).state).toBe('open');
    t.clock.advance(2 * MINUTE);
    await t.app.runJobs();
    const closed = await accessOf(id);
    expect(closed).toMatchObject({ state: 'closed', ended: { how: 'timer' }, closed: { outcome: 'done' } });
    const told = texts(sentTo(alice, before)).join('\n');
    expect(told).toMatch(
      /access key AKIA…\w{4}, 1 MFA device was created during the session and is removed now, with the root password/,
    );
    expect(told).toMatch(
      /its 60 minutes are over.*removed the password and access key AKIA…\w{4}, 1 MFA device/s,
    );
    const root = fake.root.user(ids.forgotten);
    expect(root.password).toBeUndefined();
    expect(root.accessKeys.map((k) => k.id)).not.toContain(addedKey);
    expect(root.mfaDevices.map((d) => d.serial)).toEqual([ids.forgottenMfa]); // there before: kept
  });

  it('an approval nobody starts ends cleanly when Start is no longer offered; nothing happens in AWS', async () => {
    const id = await ask(alice, 'unstarted-acct', 'look at the account contact details');
    await click(bob, 'root-access.approve', { accessId: id });
    fake.calls.length = 0;
    t.clock.advance(4 * 60 * MINUTE + MINUTE);
    await t.app.runJobs();
    expect(await accessOf(id)).toMatchObject({ state: 'closed', closed: { outcome: 'start-expired' } });
    expect(fake.of('AssumeRoot')).toEqual([]);
    const late = await click(alice, 'root-access.start', { accessId: id });
    expect(invokeCardText(late.body)).toMatch(/is over: Not started in time \(Start was offered until/);
    expect(fake.root.user(ids.unstarted).password).toBeUndefined();
  });

  it('an approval card that reached nobody goes out once an admin sets up the approvals channel', async () => {
    // Teams refuses the post to Bob's chat (the app was removed, say) and no approvals channel exists yet.
    t.connector.fail((c) => decodeURIComponent(c.path).includes(chatOf(bob)), 403, { times: 10 });
    const id = await ask(alice, 'unstarted-acct', 'look at the account contact details again');
    expect(await accessOf(id)).toMatchObject({ state: 'pending', delivery: 'undelivered' });
    expect(texts(t.connector.of('update', chatOf(alice))).join('\n')).toMatch(
      /Nobody could be reached yet: ask an admin to run "setup approvals"/,
    );
    await t.send(
      channelMessage(t.connector.url, carol, 'setup approvals', { channelId: APPROVALS_CHANNEL_ID }),
    );
    expect(await accessOf(id)).toMatchObject({ delivery: 'channel' });
    const posted = t.connector
      .of('createConversation')
      .filter((c) => c.body?.channelData?.channel?.id === APPROVALS_CHANNEL_ID);
    expect(texts(posted).join('\n')).toMatch(new RegExp(`Root access to unstarted-acct[\\s\\S]*${id}`));
    t.connector.heal();
    await say(alice, `root-access done ${id}`); // withdrawn: the account is free again
    expect((await accessOf(id)).closed?.outcome).toBe('withdrawn');
  });

  it('removes a legacy root access key from its finding, approved by someone else; MFA stays unless asked', async () => {
    const finding = oncall().find((c) => /Root access key in a member account/.test(textOf(c.body)))!;
    const subject = `root-access-key:${ids.legacy}`;
    const notAdmin = await t.send(
      cardAction(
        t.connector.url,
        dave,
        'root-credentials.remove',
        { subject },
        { id: ONCALL_CHANNEL_ID },
        finding.activityId,
      ),
    );
    expect(invokeCardText(notAdmin.body)).toMatch(/Only an admin .* can have root credentials removed/);
    const mark = t.connector.calls.length;
    const clicked = await t.send(
      cardAction(
        t.connector.url,
        carol,
        'root-credentials.remove',
        { subject, mfa: 'false' },
        { id: ONCALL_CHANNEL_ID },
        finding.activityId,
      ),
    );
    expect(invokeCardText(clicked.body)).toMatch(
      /Removal ra-[0-9a-f]{8} asked for by Carol Admin: waiting for Frank Approver or Bob Manager/,
    );
    const id = /ra-[0-9a-f]{8}/.exec(invokeCardText(clicked.body))![0];
    expect(texts(sentTo(frank, mark)).join('\n')).toMatch(
      /Approving removes, in AWS: every root access key and signing certificate, and the root password \(MFA devices stay\)/,
    );
    const own = await click(carol, 'root-access.approve', { accessId: id });
    expect(invokeCardText(own.body)).toMatch(/You cannot approve your own root access, admins included/);
    fake.calls.length = 0;
    await click(frank, 'root-access.approve', { accessId: id });
    const done = await accessOf(id);
    expect(done).toMatchObject({ state: 'closed', closed: { outcome: 'done' } });
    expect(fake.of('DeleteAccessKey')).toEqual([
      expect.objectContaining({
        rootTask: 'IAMDeleteRootUserCredentials',
        input: expect.objectContaining({ AccessKeyId: ids.legacyKey }),
      }),
    ]);
    expect(fake.of('DeactivateMFADevice')).toEqual([]);
    const root = fake.root.user(ids.legacy);
    expect(root).toMatchObject({ accessKeys: [], password: undefined });
    expect(root.mfaDevices).toHaveLength(1);
    const cardNow = t.connector
      .of('update')
      .filter((u) => u.targetActivityId === finding.activityId)
      .at(-1)!;
    expect(textOf(cardNow.body)).toMatch(
      /Done at .*: removed the password and access key AKIA…\w{4}\. The root user now has 1 MFA device/,
    );
    const run = await t.request(
      'POST',
      '/api/v1/reconcile',
      undefined,
      await issuer.bearer({ roles: ['Addresses.Admin'] }),
    );
    expect(run.body.byKind['root-access-key']).toBeUndefined();
  });

  it('two approvers clicking at once give exactly one outcome', async () => {
    const mark = t.connector.calls.length;
    await say(carol, 'root-credentials remove racing-acct mfa lost device');
    const id = /ra-[0-9a-f]{8}/.exec(texts(sentTo(carol, mark)).join('\n'))![0];
    expect((await accessOf(id)).approvers.map((p) => p.name)).toEqual(['Frank Approver', 'Bob Manager']);
    const [a, b] = await Promise.all([
      click(frank, 'root-access.reject', { accessId: id, comment: 'not without a ticket' }),
      click(bob, 'root-access.approve', { accessId: id }),
    ]);
    const answers = [invokeCardText(a.body), invokeCardText(b.body)];
    expect(answers.filter((x) => /Already decided/.test(x))).toHaveLength(1);
    const decided = await accessOf(id);
    expect(['rejected', 'done']).toContain(decided.closed?.outcome);
    const events = (await t.app.services.audit.about(id)).filter((e) => /approved|rejected/.test(e.action));
    expect(events).toHaveLength(1);
  });

  it('refuses up front, saying what to do: features off, an unlinked record, the management account, no reason, someone else', async () => {
    const asking = async (user: TestUser, text: string) => {
      const before = t.connector.calls.length;
      await say(user, text);
      return texts(sentTo(user, before)).join('\n');
    };
    fake.root.enable(false);
    try {
      expect(await asking(alice, 'root-access off-acct fix the bucket policy now')).toMatch(
        /Centralized root access is off .*aws iam enable-organizations-root-credentials-management.*aws iam enable-organizations-root-sessions/,
      );
    } finally {
      fake.root.enable();
    }
    expect(await asking(alice, 'root-access unlinked-acct fix the bucket policy now')).toMatch(
      /not linked to an AWS account yet: link it first/,
    );
    expect(await asking(alice, 'root-access off-acct')).toMatch(/Say why you need root access/);
    expect(await asking(alice, 'root-access off-acct fix')).toMatch(/at least 10 characters/);
    expect(await asking(eve, 'root-access off-acct fix the bucket policy now')).toMatch(
      /Only the owner of off-acct \(Alice Requester\), on-call or an admin can ask/,
    );
    await t.app.store.create(
      'addresses',
      'aws-ra-mgmt@contoso.com',
      record('aws-ra-mgmt@contoso.com', { accountName: 'mgmt-acct' }),
    );
    await t.app.services.addresses.linkAwsAccount(
      'aws-ra-mgmt@contoso.com',
      fake.managementAccountId,
      person(carol.aadObjectId, carol.name, true),
    );
    expect(await asking(carol, 'root-access mgmt-acct fix the bucket policy now')).toMatch(
      /management account: its root user is outside centralized root access/,
    );
    expect(await asking(alice, 'root-credentials remove off-acct')).toMatch(/Only an admin/);
    const stored = await t.app.store.query<RootAccess>('rootAccess', { kind: 'session' });
    expect(stored.filter((a) => a.account.id === ids.off)).toEqual([]);
  });

  it('AWS refusing to open the session: nothing changed, the requester, the approver and on-call told', async () => {
    const id = await ask(alice, 'refusing-acct', 'rotate the root MFA device before the audit');
    await click(bob, 'root-access.approve', { accessId: id });
    fake.fail('CreateLoginProfile', 'access-denied', 5);
    const before = t.connector.calls.length;
    await click(alice, 'root-access.start', { accessId: id });
    const closed = await accessOf(id);
    expect(closed).toMatchObject({ state: 'closed', closed: { outcome: 'refused-by-aws' } });
    expect(fake.root.user(ids.refusing).password).toBeUndefined();
    const said = /AWS refused to open the session: .*not authorized.*Nothing was changed in AWS\./;
    expect(texts(sentTo(alice, before)).join('\n')).toMatch(said);
    expect(texts(sentTo(bob, before)).join('\n')).toMatch(said);
    expect(texts(oncall(before)).join('\n')).toMatch(said);
  });

  it('asks and answers over the API: POST /api/v1/root-access for a person, GET its state; never for an app', async () => {
    const app = await issuer.bearer({ oid: 'automation', roles: ['Addresses.Admin'] });
    const refused = await t.request(
      'POST',
      '/api/v1/root-access',
      { account: 'off-acct', reason: 'look at the bills as root' },
      app,
    );
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/Root access is for people/);
    const person = await issuer.bearer({ oid: alice.aadObjectId, name: alice.name, scp: 'access_as_user' });
    const asked = await t.request(
      'POST',
      '/api/v1/root-access',
      { account: 'off-acct', reason: 'look at the bills as root' },
      person,
    );
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({
      state: 'pending',
      account: { name: 'off-acct' },
      approvers: [{ name: 'Bob Manager' }],
    });
    const got = await t.request('GET', asked.body.statusUrl, undefined, person);
    expect(got.body).toMatchObject({
      id: asked.body.id,
      status: expect.stringMatching(/Waiting for Bob Manager/),
    });
    const other = await issuer.bearer({ oid: eve.aadObjectId, name: eve.name, scp: 'access_as_user' });
    expect((await t.request('GET', asked.body.statusUrl, undefined, other)).status).toBe(404);
    const again = await t.request(
      'POST',
      '/api/v1/root-access',
      { account: 'off-acct', reason: 'look at the bills as root' },
      person,
    );
    expect(again.status).toBe(409);
    expect((await t.request('GET', '/api/v1/openapi.json')).body.paths['/api/v1/root-access']).toBeDefined();
    await say(alice, 'root-access done off-acct'); // withdrawn
    expect((await accessOf(asked.body.id)).closed?.outcome).toBe('withdrawn');
  });
});
