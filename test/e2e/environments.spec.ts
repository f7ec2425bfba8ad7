import { VERBS } from '../../src/cards/verbs';
import { cardAction, personalConversationId, personalMessage } from '../support/activities';
import type { FakeGraph } from '../support/fakeGraph';
import { startDirectory } from '../support/requestFlow';
import { cardOf, startTestApp, TestApp, textOf } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { TestUser, users } from '../support/users';

const { alice, bob } = users;

/** Issue 20.2: an environment the requester typed is never mapped to another one. */
describe('environments come from ENVIRONMENTS and a typed one is never changed', () => {
  let graph: FakeGraph;
  let issuer: TokenIssuer;
  beforeAll(async () => {
    graph = await startDirectory();
    issuer = await new TokenIssuer().start();
  });
  afterAll(async () => {
    await graph.stop();
    await issuer.stop();
  });

  async function say(t: TestApp, user: TestUser, text: string): Promise<string> {
    const before = t.connector.calls.length;
    await t.send(personalMessage(t.connector.url, user, text));
    return t.connector.calls
      .slice(before)
      .filter((c) => c.kind === 'reply' && c.conversationId === personalConversationId(user))
      .map((c) => textOf(c.body))
      .join('\n');
  }
  const approvalCards = (t: TestApp) =>
    t.connector.sentMessages().filter((c) => c.conversationId !== personalConversationId(alice));

  describe('with the default list', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { ...issuer.env(), GRAPH_BASE_URL: graph.baseUrl } });
    });
    afterAll(() => t.close());
    beforeEach(() => t.connector.clear());

    it('the one-line command refuses an environment outside the list, naming the allowed ones; nothing goes to the approver', async () => {
      const answer = await say(t, alice, 'request web-shop staging New shop');
      expect(answer).toContain('“staging” is not an environment here');
      expect(answer).toContain('prod, nonprod, sandbox');
      expect(approvalCards(t)).toHaveLength(0);
      expect(await t.app.services.requests.listPending(10)).toHaveLength(0);
    });

    it('the guided chat asks again for a word outside the list, and never takes it for another', async () => {
      await say(t, alice, 'request');
      expect(await say(t, alice, 'guided-env')).toMatch(/Which environment is guided-env for\?/);
      for (const word of ['staging', 'dev', 'test'])
        expect(await say(t, alice, word)).toMatch(
          /not one of the environments here.*prod, nonprod, sandbox/s,
        );
      expect(await say(t, alice, 'sandbox')).toMatch(/What is it for\?/);
      expect(await say(t, alice, 'skip')).toMatch(/guided-env \(sandbox\)/);
      await say(t, alice, 'cancel');
    });

    it('the form comes back with the environment refused; the API answers 400 naming the allowed values', async () => {
      const form = await t.send(
        cardAction(t.connector.url, alice, VERBS.requestSubmit, {
          accountName: 'form-env',
          environment: 'staging',
        }),
      );
      expect(JSON.stringify(form.body)).toContain('“staging” is not an environment here');
      const api = await t.request(
        'POST',
        '/api/v1/addresses',
        { accountName: 'api-env', environment: 'staging' },
        { authorization: `Bearer ${await issuer.userToken(alice)}` },
      );
      expect(api.status).toBe(400);
      expect(api.body.errors.environment).toMatch(/prod, nonprod, sandbox/);
      expect(await t.app.services.requests.listPending(10)).toHaveLength(0);
    });
  });

  describe('with staging added by the operator', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        env: { GRAPH_BASE_URL: graph.baseUrl, ENVIRONMENTS: 'prod,nonprod,sandbox,staging' },
      });
    });
    afterAll(() => t.close());

    it('the approver sees staging, and the purpose is the purpose', async () => {
      t.connector.clear();
      await say(t, alice, 'request web-shop staging New shop');
      const [pending] = await t.app.services.requests.listPending(10);
      expect(pending).toMatchObject({ environment: 'staging', purpose: 'New shop' });
      const toBob = t.connector.sentMessages().find((c) => JSON.stringify(c.body).includes('web-shop'));
      const card = JSON.stringify(cardOf(toBob?.body));
      expect(card).toContain('staging');
      expect(card).not.toContain('nonprod');
      expect(bob).toBeDefined();
    });
  });
});
