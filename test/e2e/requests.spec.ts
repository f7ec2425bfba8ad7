import { personalConversationId, personalMessage } from '../support/activities';
import { adaptiveCardProblems } from '../support/adaptiveCardProblems';
import type { FakeGraph } from '../support/fakeGraph';
import { askFor, click, invokeCardText, sentTo, startDirectory } from '../support/requestFlow';
import { cardOf, startTestApp, TestApp, textOf } from '../support/testApp';
import { users } from '../support/users';

const { alice, bob, carol, dave, eve, frank } = users;

function env(graph: FakeGraph): Record<string, string> {
  return {
    GRAPH_BASE_URL: graph.baseUrl,
    APPROVER_IDS: `${frank.aadObjectId},${carol.aadObjectId}`,
    ADMIN_IDS: carol.aadObjectId,
    ADDRESS_STRATEGY: 'plus',
    PLUS_ADDRESS: 'aws@contoso.com',
  };
}

describe.each(['embedded', 'cosmos'] as const)(
  'requests and approvals over real HTTP (%s store)',
  (store) => {
    let t: TestApp;
    let graph: FakeGraph;
    beforeAll(async () => {
      graph = await startDirectory();
      t = await startTestApp({ store, env: env(graph) });
    });
    afterAll(async () => {
      await t.close();
      await graph.stop();
    });
    beforeEach(() => t.connector.clear());

    it('request → the manager approves → the address arrives with the next steps', async () => {
      const requestId = await askFor(t, alice, 'request payments-prod prod Card payments');
      expect(graph.of('GET', new RegExp(`/users/${alice.aadObjectId}/manager`)).length).toBeGreaterThan(0);

      // The approval card went to Bob's personal chat, with the buttons and Bob in refresh.userIds.
      const [toBob] = sentTo(t, personalConversationId(bob));
      const approval = cardOf(toBob.body);
      expect(adaptiveCardProblems(approval)).toEqual([]);
      expect(approval.refresh.userIds).toEqual([bob.aadObjectId]);
      expect(textOf(toBob.body)).toMatch(
        /Alice Requester asks[\s\S]*payments-prod[\s\S]*prod[\s\S]*Card payments/,
      );
      expect(approval.actions.map((a: { title: string }) => a.title)).toEqual(['Approve', 'Reject']);
      // Alice was answered at once ("sending…"), and that very card then says where the approval went.
      const [toAlice] = sentTo(t, personalConversationId(alice));
      expect(textOf(toAlice.body)).toMatch(/Sending the approval card to Bob Manager…/);
      const [aliceUpdated] = t.connector.of('update', personalConversationId(alice));
      expect(aliceUpdated.targetActivityId).toBe(toAlice.activityId);
      expect(textOf(aliceUpdated.body)).toMatch(/Sent to Bob Manager for approval/);

      t.connector.clear();
      const res = await click(t, bob, 'request.approve', requestId, 'ok');
      expect(res.status).toBe(200);
      expect(invokeCardText(res.body)).toMatch(/Approved by Bob Manager at 2026-01-01 09:00 UTC/);

      // Every copy is updated in place; Alice gets the result card with the address and the link command.
      const updated = t.connector
        .of('update')
        .map((u) => u.conversationId)
        .sort();
      expect(updated).toEqual([personalConversationId(alice), personalConversationId(bob)].sort());
      const result = sentTo(t, personalConversationId(alice))
        .map((c) => c.body)
        .find((b) => /ready/.test(textOf(b)));
      expect(adaptiveCardProblems(cardOf(result))).toEqual([]);
      const address = /aws\+[a-z0-9.-]+@contoso\.com/.exec(textOf(result))?.[0];
      expect(address).toBeDefined();
      expect(textOf(result)).toContain(`link ${address} ‹12-digit account id›`);

      const request = await t.app.services.requests.get(requestId);
      expect(request).toMatchObject({ state: 'fulfilled', address, workPending: false });
      const audit = (await t.app.services.audit.about(requestId)).map((e) => e.action);
      expect(audit).toEqual(
        expect.arrayContaining([
          'request.created',
          'request.approved',
          'request.allocated',
          'address.allocated',
        ]),
      );
    });

    it('reject with a comment: every copy says so and the requester is told', async () => {
      const requestId = await askFor(t, alice, 'request search-sandbox sandbox');
      t.connector.clear();
      const res = await click(t, bob, 'request.reject', requestId, 'Use the shared sandbox');
      expect(invokeCardText(res.body)).toMatch(/Rejected by Bob Manager: Use the shared sandbox/);
      const aliceCopy = t.connector.of('update', personalConversationId(alice))[0];
      expect(textOf(aliceCopy.body)).toMatch(/Rejected by Bob Manager: Use the shared sandbox/);
      const notice = sentTo(t, personalConversationId(alice))
        .map((c) => c.body.text)
        .join('\n');
      expect(notice).toMatch(/was rejected by Bob Manager: "Use the shared sandbox"/);
      expect(await t.app.services.requests.get(requestId)).toMatchObject({ state: 'rejected' });
      // The name is free again.
      await askFor(t, alice, 'request search-sandbox sandbox second try');
    });

    it('refuses self-approval and a non-approver, and audits both attempts', async () => {
      const requestId = await askFor(t, alice, 'request billing-dev');
      const own = await click(t, alice, 'request.approve', requestId);
      expect(invokeCardText(own.body)).toMatch(/cannot decide your own request/);
      const outsider = await click(t, eve, 'request.approve', requestId);
      expect(invokeCardText(outsider.body)).toMatch(/Only Bob Manager can decide this request/);
      expect(await t.app.services.requests.get(requestId)).toMatchObject({ state: 'pending' });
      const refused = (await t.app.services.audit.about(requestId)).filter(
        (e) => e.action === 'request.decision-refused',
      );
      expect(refused.map((e) => e.actorId).sort()).toEqual([alice.aadObjectId, eve.aadObjectId].sort());
    });

    it('refuses a second open request for the same account name, pointing to the first', async () => {
      const first = await askFor(t, alice, 'request ledger-prod prod');
      t.connector.clear();
      await t.send(personalMessage(t.connector.url, dave, 'request ledger-prod prod'));
      expect(t.connector.of('reply')[0].body.text).toMatch(
        new RegExp(`already an open request for ledger-prod: ${first}`),
      );
    });

    it('ten people asking for the same account name at once: one request, nine pointers to it', async () => {
      const askers = [users.alice, users.dave, users.eve, users.frank, users.carol];
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          t.send(personalMessage(t.connector.url, askers[i % askers.length], 'request contested-name')),
        ),
      );
      const open = (await t.app.services.requests.listPending(200)).filter(
        (r) => r.accountName === 'contested-name',
      );
      expect(open).toHaveLength(1);
      const pointers = t.connector
        .of('reply')
        .filter((c) => /already an open request for contested-name/.test(c.body.text));
      expect(pointers).toHaveLength(9);
      for (const p of pointers) expect(p.body.text).toContain(open[0].requestId);
    });

    it('answers what to change for bad text input', async () => {
      await t.send(personalMessage(t.connector.url, alice, 'request prod_payments!'));
      expect(t.connector.of('reply')[0].body.text).toMatch(
        /.prod_payments!. is not a valid account name: use letters, digits and hyphens/,
      );
    });

    it('100 concurrent conflicting clicks from two approvers: one outcome, 99 "already decided"', async () => {
      const requestId = await askFor(t, dave, 'request race-condition nonprod');
      const request = await t.app.services.requests.get(requestId);
      expect(request?.approvers.map((p) => p.id).sort()).toEqual(
        [carol.aadObjectId, frank.aadObjectId].sort(),
      );
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          click(
            t,
            i % 2 ? frank : carol,
            i % 3 ? 'request.approve' : 'request.reject',
            requestId,
            `click ${i}`,
          ),
        ),
      );
      const texts = answers.map((a) => invokeCardText(a.body));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(texts.filter((x) => /Already decided/.test(x))).toHaveLength(99);
      const decided = await t.app.services.requests.get(requestId);
      const decisions = (await t.app.services.audit.about(requestId)).filter((e) =>
        /request\.(approved|rejected)$/.test(e.action),
      );
      expect(decisions).toHaveLength(1);
      expect(decisions[0].actorId).toBe(decided?.decision?.by.id);
      const allocated = await t.app.store.count('addresses', { requestId });
      expect(allocated).toBe(decided?.state === 'fulfilled' ? 1 : 0);
    });
  },
);
