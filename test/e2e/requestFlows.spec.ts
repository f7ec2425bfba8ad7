import { person } from '../../src/domain/permissions';
import {
  APPROVALS_CHANNEL_ID,
  TEAM_ID,
  cardAction,
  cardSubmit,
  channelMessage,
  personalConversationId,
  personalMessage,
} from '../support/activities';
import { adaptiveCardProblems } from '../support/adaptiveCardProblems';
import { poolCsv } from '../support/addressFixtures';
import type { FakeGraph } from '../support/fakeGraph';
import { askFor, click, invokeCardText, sentTo, startDirectory } from '../support/requestFlow';
import { cardOf, startTestApp, TestApp, textOf } from '../support/testApp';
import { users } from '../support/users';

const { alice, bob, carol, eve, frank } = users;

describe('asking, routing and cancelling requests (embedded store)', () => {
  let t: TestApp;
  let graph: FakeGraph;
  beforeAll(async () => {
    graph = await startDirectory();
    t = await startTestApp({
      env: {
        GRAPH_BASE_URL: graph.baseUrl,
        APPROVER_IDS: frank.aadObjectId,
        ADMIN_IDS: carol.aadObjectId,
        ADDRESS_STRATEGY: 'pool',
      },
    });
    await t.app.services.pool.importCsv(poolCsv(1, 3), person(carol.aadObjectId, carol.name, true));
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });
  beforeEach(() => {
    t.connector.clear();
    t.connector.personalChatRefused.clear();
  });

  it('`request form` answers with the form; a bad field comes back next to the field, values kept', async () => {
    await t.send(personalMessage(t.connector.url, alice, 'request form'));
    const form = cardOf(t.connector.of('reply')[0].body);
    expect(adaptiveCardProblems(form)).toEqual([]);
    expect(form.body.map((e: { id?: string }) => e.id).filter(Boolean)).toEqual([
      'accountName',
      'purpose',
      'environment',
      'costCentre',
    ]);

    const bad = await t.send(
      cardAction(t.connector.url, alice, 'request.submit', {
        verb: 'request.submit',
        accountName: 'prod payments',
        purpose: 'Cards',
        environment: 'prod',
      }),
    );
    const again = bad.body.value;
    expect(adaptiveCardProblems(again)).toEqual([]);
    const nameField = again.body.findIndex((e: { id?: string }) => e.id === 'accountName');
    expect(again.body[nameField].value).toBe('prod payments');
    expect(again.body[nameField + 1].text).toMatch(/not a valid account name/);
    expect(again.body.find((e: { id?: string }) => e.id === 'purpose').value).toBe('Cards');
    expect(await t.app.services.requests.listPending()).toHaveLength(0);
  });

  it('a filled-in form becomes the status card, the approval goes to the manager', async () => {
    const res = await t.send(
      cardAction(
        t.connector.url,
        alice,
        'request.submit',
        {
          verb: 'request.submit',
          accountName: 'Data-Lake',
          purpose: 'Analytics',
          environment: 'nonprod',
          costCentre: 'CC-42',
        },
        { id: personalConversationId(alice) },
        'form-message-1',
      ),
    );
    // The click is answered at once; the form then says where the approval card went.
    expect(invokeCardText(res.body)).toMatch(/Sending the approval card to Bob Manager…/);
    const formUpdate = t.connector.of('update').find((u) => u.targetActivityId === 'form-message-1');
    expect(textOf(formUpdate?.body)).toMatch(/Sent to Bob Manager for approval/);
    const approval = sentTo(t, personalConversationId(bob))
      .map((c) => textOf(c.body))
      .join('\n');
    expect(approval).toMatch(/data-lake[\s\S]*nonprod[\s\S]*Analytics[\s\S]*CC-42/);
    const [pending] = await t.app.services.requests.listPending();
    expect(pending.cardCopies.find((c) => c.audience === 'requester')?.activityId).toBe('form-message-1');
  });

  it('Action.Submit fallback: the verb in the data routes the click and the clicked card is replaced', async () => {
    const requestId = await askFor(t, alice, 'request fallback-client');
    t.connector.clear();
    await t.send(cardSubmit(t.connector.url, bob, { verb: 'request.approve', requestId }, 'approval-card-7'));
    const replaced = t.connector.of('update').find((u) => u.activityId === 'approval-card-7');
    expect(textOf(replaced?.body)).toMatch(/Approved by Bob Manager/);
    const result = sentTo(t, personalConversationId(alice)).find((c) => /ready/.test(textOf(c.body)));
    expect(textOf(result?.body)).toMatch(/aws-1-\d@contoso\.com/);
  });

  it('the refresh verb shows approvers the buttons and everyone else the status', async () => {
    const requestId = await askFor(t, alice, 'request refresh-view');
    const forBob = await click(t, bob, 'request.refresh', requestId);
    expect(forBob.body.value.actions.map((a: { title: string }) => a.title)).toEqual(['Approve', 'Reject']);
    const forEve = await click(t, eve, 'request.refresh', requestId);
    expect(forEve.body.value.actions).toBeUndefined();
    expect(invokeCardText(forEve.body)).toMatch(/Waiting for Bob Manager/);
  });

  it('no manager: the approver group decides; nobody else → the requester is told why', async () => {
    const fromEve = await askFor(t, eve, 'request eve-sandbox sandbox');
    expect((await t.app.services.requests.get(fromEve))?.approvers.map((p) => p.id)).toEqual([
      frank.aadObjectId,
    ]);
    t.connector.clear();
    await t.send(personalMessage(t.connector.url, frank, 'request frank-tools'));
    expect(t.connector.of('reply')[0].body.text).toMatch(
      /Nobody else can approve this request: the directory has no manager for you, and you are the only approver/,
    );
  });

  it('a manager who cannot get a personal chat gets the card in the approvals channel; the requester is told', async () => {
    await t.send(
      channelMessage(t.connector.url, carol, 'setup approvals', { channelId: APPROVALS_CHANNEL_ID }),
    );
    t.connector.clear();
    t.connector.personalChatRefused.add(bob.aadObjectId);
    t.connector.addMembers(TEAM_ID, bob.aadObjectId); // Bob is in the approvals channel's team
    const requestId = await askFor(t, alice, 'request payroll-prod prod');
    const [thread] = t.connector.of('createConversation').filter((c) => c.body?.activity);
    expect(thread.body.channelData.channel.id).toBe(APPROVALS_CHANNEL_ID);
    const channelCard = cardOf(thread.body);
    // refresh.userIds takes Teams user ids (MRIs), learnt from the member API
    expect(channelCard.refresh.userIds).toEqual([`29:${bob.aadObjectId}`]);
    // The base card carries the buttons too, for clients without user-specific views; the server decides.
    expect(channelCard.actions.map((a: { title: string }) => a.title)).toEqual(['Approve', 'Reject']);
    expect(textOf(thread.body)).toMatch(/For Bob Manager to decide/);
    expect(textOf(t.connector.of('update', personalConversationId(alice)).at(-1)?.body)).toMatch(
      /could not be reached in a personal chat, so the approval card was posted in the approvals channel/,
    );

    // Someone else in the channel clicks Approve on the base card: refused with the reason, and recorded.
    const channelClick = (user: typeof eve, verb: string) =>
      t.send(
        cardAction(
          t.connector.url,
          user,
          verb,
          { verb, requestId },
          { id: thread.conversationId!, conversationType: 'channel' },
          thread.activityId,
        ),
      );
    const refused = await channelClick(eve, 'request.approve');
    expect(invokeCardText(refused.body)).toMatch(/Only Bob Manager can decide this request/);
    expect(refused.body.value.actions).toBeUndefined();
    expect(await t.app.services.requests.get(requestId)).toMatchObject({ state: 'pending' });
    // (events of one test share the manual clock's time, so look the event up rather than take the last)
    expect((await t.app.services.audit.about(requestId)).find((e) => e.actorName === eve.name)).toMatchObject(
      {
        action: 'request.decision-refused',
        actorName: eve.name,
        detail: 'not an approver',
      },
    );

    t.connector.clear();
    const approved = await channelClick(bob, 'request.approve');
    expect(invokeCardText(approved.body)).toMatch(/Approved by Bob Manager/);
    expect(await t.app.services.requests.get(requestId)).toMatchObject({ state: 'fulfilled' });
  });

  it('a legacy client (Action.Submit) clicking the base card as a non-approver gets a message; the card stays', async () => {
    const requestId = await askFor(t, alice, 'request legacy-click');
    t.connector.clear();
    await t.send(cardSubmit(t.connector.url, eve, { verb: 'request.reject', requestId }, 'base-card-3'));
    expect(t.connector.of('update')).toEqual([]);
    expect(t.connector.of('reply').at(-1)?.body.text).toMatch(
      /Eve Outsider: Only Bob Manager can decide this request. Your attempt was recorded./,
    );
    expect(await t.app.services.requests.get(requestId)).toMatchObject({ state: 'pending' });
  });

  it('the requester cancels a pending request; others cannot; the card says so', async () => {
    const requestId = await askFor(t, alice, 'request to-cancel');
    await t.send(personalMessage(t.connector.url, eve, `cancel ${requestId}`));
    expect(t.connector.of('reply').at(-1)?.body.text).toMatch(/Only Alice Requester, who asked, can cancel/);
    t.connector.clear();
    await t.send(personalMessage(t.connector.url, alice, `cancel ${requestId}`));
    expect(t.connector.of('reply').at(-1)?.body.text).toMatch(/Cancelled/);
    const bobCopy = t.connector.of('update', personalConversationId(bob))[0];
    expect(textOf(bobCopy.body)).toMatch(/Cancelled by Alice Requester/);
    const late = await click(t, bob, 'request.approve', requestId);
    expect(invokeCardText(late.body)).toMatch(/Already decided/);
    expect((await t.app.services.audit.about(requestId)).map((e) => e.action)).toContain('request.cancelled');
  });

  it('`list pending` shows the requester and the approver their pending requests; `audit` shows the history', async () => {
    const requestId = await askFor(t, alice, 'request listed-one prod');
    t.connector.clear();
    await t.send(personalMessage(t.connector.url, bob, 'list pending'));
    expect(t.connector.of('reply')[0].body.text).toMatch(
      new RegExp(`${requestId}: listed-one \\(prod\\) for Alice Requester, waiting for you`),
    );
    await t.send(personalMessage(t.connector.url, eve, 'list pending'));
    expect(t.connector.of('reply')[1].body.text).not.toContain(requestId);

    await click(t, eve, 'request.reject', requestId);
    await click(t, bob, 'request.approve', requestId);
    t.connector.clear();
    await t.send(personalMessage(t.connector.url, alice, `audit ${requestId}`));
    const trail = textOf(t.connector.of('reply')[0].body);
    for (const sentence of [
      /Asked for by Alice Requester: \S+ \(prod\)/,
      /Decision refused to Eve Outsider/,
      /Approved by Bob Manager/,
      /Given the address \S+@\S+/,
    ])
      expect(trail).toMatch(sentence);
    await t.send(personalMessage(t.connector.url, eve, `audit ${requestId}`));
    expect(t.connector.of('reply')[1].body.text).toMatch(/Only an admin/);
  });

  it('pool exhausted: the request waits, admins are alerted, and the next import completes it', async () => {
    // The pool had three aliases; use them up.
    const taken = await t.app.store.count('addresses', { state: 'assigned' });
    for (let i = taken; i < 3; i++) {
      const id = await askFor(t, alice, `request filler-${i}`);
      await click(t, bob, 'request.approve', id);
    }
    const requestId = await askFor(t, alice, 'request late-comer');
    t.connector.clear();
    await click(t, bob, 'request.approve', requestId);
    expect(await t.app.services.requests.get(requestId)).toMatchObject({ state: 'waiting-for-capacity' });
    expect(
      sentTo(t, personalConversationId(carol))
        .map((c) => c.body.text)
        .join('\n'),
    ).toMatch(/address pool is empty/);
    expect(
      sentTo(t, personalConversationId(alice))
        .map((c) => c.body.text)
        .join('\n'),
    ).toMatch(/waiting|pool is empty/);

    t.connector.clear();
    await t.app.services.pool.importCsv(poolCsv(1, 3, 'more'), person(carol.aadObjectId, carol.name, true));
    const done = await t.app.services.requests.get(requestId);
    expect(done).toMatchObject({
      state: 'fulfilled',
      address: expect.stringMatching(/^more-1-\d@contoso\.com$/),
    });
    expect(sentTo(t, personalConversationId(alice)).filter((c) => /ready/.test(textOf(c.body)))).toHaveLength(
      1,
    );
  });
});
