import { personalMessage } from '../support/activities';
import { FakeGraph } from '../support/fakeGraph';
import { FakeGraphMailbox } from '../support/fakeGraphMailbox';
import { startTestApp, TestApp } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { users } from '../support/users';

/**
 * Bad input is the caller's problem: 4xx problem+json in our words, never a 5xx and never an internal message
 * (issue 10, point 5). Unsupported invokes keep botbuilder's 501.
 */
const MAILBOX = 'rootmail@contoso.com';
const CLIENT_STATE = 'bad-input-client-state';
type Activity = Record<string, any>;

function expectCleanProblem(res: { status: number; body: any; headers: Headers }, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: 'about:blank', status, detail: expect.any(String) });
  expect(JSON.stringify(res.body)).not.toMatch(
    /TypeError|RangeError|Error:|\bat [\w.]+ \(|cannot be null|Cannot read|undefined|botbuilder|zod/,
  );
}

describe('bad input over real HTTP', () => {
  let t: TestApp;
  let graph: FakeGraph;
  let mailbox: FakeGraphMailbox;
  let issuer: TokenIssuer;

  beforeAll(async () => {
    graph = new FakeGraph();
    await graph.start();
    mailbox = new FakeGraphMailbox(graph, MAILBOX);
    issuer = await new TokenIssuer().start();
    t = await startTestApp({
      env: {
        GRAPH_BASE_URL: graph.baseUrl,
        MAILBOX,
        PUBLIC_BASE_URL: 'http://127.0.0.1:3978',
        GRAPH_CLIENT_STATE: CLIENT_STATE,
        ...issuer.env(),
      },
    });
    await t.app.runJobs(); // the subscription
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
    await issuer.stop();
  });
  beforeEach(() => t.connector.clear());

  const help = (): Activity => personalMessage(t.connector.url, users.alice, 'help');
  const without = (field: string): Activity => {
    const activity = help();
    delete activity[field];
    return activity;
  };
  const nested = (depth: number): unknown => {
    let value: unknown = 'deep';
    for (let i = 0; i < depth; i++) value = { v: value };
    return value;
  };

  describe('activities', () => {
    it.each<[string, () => Activity]>([
      ['no conversation', () => without('conversation')],
      ['no from', () => without('from')],
      ['no serviceUrl', () => without('serviceUrl')],
      ['no recipient', () => without('recipient')],
      ['no channelId', () => without('channelId')],
      ['a conversation without an id', () => ({ ...help(), conversation: { conversationType: 'personal' } })],
      ['a conversation as a string', () => ({ ...help(), conversation: 'a:1' })],
      ['from as null', () => ({ ...help(), from: null })],
      ['a numeric type', () => ({ ...help(), type: 5 })],
      ['text as an object', () => ({ ...help(), text: { a: 1 } })],
      ['entities with null', () => ({ ...help(), entities: [null] })],
      ['membersAdded with a number', () => ({ ...help(), type: 'conversationUpdate', membersAdded: [7] })],
      ['membersAdded without ids', () => ({ ...help(), type: 'conversationUpdate', membersAdded: [{}] })],
      ['an impossible timestamp', () => ({ ...help(), timestamp: 'yesterday-ish' })],
      ['channelData as a list', () => ({ ...help(), channelData: [] })],
      ['channelData.tenant as a string', () => ({ ...help(), channelData: { tenant: 'x' } })],
      ['an absurd text', () => ({ ...help(), text: 'help '.repeat(10_000) })],
      ['an absurd conversation id', () => ({ ...help(), conversation: { id: 'a'.repeat(5_000) } })],
      ['absurd nesting', () => ({ ...help(), value: nested(200) })],
      [
        '5,000 entities',
        () => ({ ...help(), entities: Array.from({ length: 5_000 }, () => ({ type: 'x' })) }),
      ],
    ])('answers 400 to an activity with %s', async (_case, build) => {
      expectCleanProblem(await t.request('POST', '/api/messages', build()), 400);
      expect(t.connector.calls).toEqual([]);
    });

    it.each([
      ['a JSON array', '[1,2]'],
      ['a string', '"help"'],
      ['null', 'null'],
      ['broken JSON', '{"type": "message",'],
    ])('answers 400 to %s as the body', async (_case, body) => {
      const res = await t.request('POST', '/api/messages', body, { 'content-type': 'application/json' });
      expectCleanProblem(res, 400);
    });

    it('keeps botbuilder 501 for an invoke nobody handles, and 200 for the activities it ignores', async () => {
      const invoke = { ...help(), type: 'invoke', name: 'composeExtension/unheardOf', value: {} };
      expect((await t.send(invoke)).status).toBe(501);
      expect((await t.send({ ...help(), type: 'typing' })).status).toBe(200);
      expect((await t.send({ ...help(), type: 'someFutureType' })).status).toBe(200);
    });

    it('keeps serving after all that', async () => {
      const res = await t.send(help());
      expect(res.status).toBe(200);
      expect(t.connector.sentMessages()).toHaveLength(1);
    });
  });

  describe('Graph webhooks', () => {
    it.each(['/api/graph/notifications', '/api/graph/lifecycle'])(
      'answers 400 to {"value":[null]} and other malformed batches on %s',
      async (route) => {
        for (const body of [{ value: [null] }, { value: [1] }, { value: 'x' }, { value: [[]] }, [], {}])
          expectCleanProblem(await t.request('POST', route, body), 400);
      },
    );

    it('sends nosniff and no-store with the validation echo', async () => {
      const res = await t.request('POST', '/api/graph/notifications?validationToken=%3Cscript%3Ex', '', {
        'content-type': 'text/plain',
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toBe('<script>x');
    });

    it('leaves one live subscription after a storm of 20 concurrent subscriptionRemoved', async () => {
      const removed = mailbox.current()!;
      mailbox.subscriptions.delete(removed.id); // Graph removed it
      const storm = { ...mailbox.lifecycle('subscriptionRemoved', CLIENT_STATE) };
      storm.value[0].subscriptionId = removed.id;
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          t.request('POST', '/api/graph/lifecycle', storm, {}, { settle: false }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
      await t.app.idle();
      expect(mailbox.subscriptions.size).toBe(1);
      expect(mailbox.current()!.id).not.toBe(removed.id);

      // A late duplicate of the same removal changes nothing either.
      await t.request('POST', '/api/graph/lifecycle', storm);
      expect(mailbox.subscriptions.size).toBe(1);
    });
  });

  describe('the API', () => {
    const admin = () => issuer.bearer({ roles: ['Addresses.Admin'] });

    it.each<[string, string, unknown]>([
      ['a JSON array', 'POST /api/v1/addresses', [1]],
      ['a number', 'POST /api/v1/addresses', 5],
      ['accountName as a number', 'POST /api/v1/addresses', { accountName: 42 }],
      ['owner as a list', 'POST /api/v1/addresses', { accountName: 'x-prod', owner: [] }],
      ['nothing to change', 'PATCH /api/v1/addresses/aws-1@contoso.com', {}],
      ['awsAccountId as an object', 'PATCH /api/v1/addresses/aws-1@contoso.com', { awsAccountId: {} }],
    ])('answers 400 to %s', async (_case, call, body) => {
      const [method, route] = call.split(' ');
      expectCleanProblem(await t.request(method, route, body, await admin()), 400);
    });

    it('answers 400 to broken JSON', async () => {
      const res = await t.request('POST', '/api/v1/addresses', '{"accountName":', {
        ...(await admin()),
        'content-type': 'application/json',
      });
      expectCleanProblem(res, 400);
    });

    it('parses JSON and text only: a CSV body elsewhere, a form or a multipart upload is refused, not parsed', async () => {
      const headers = await admin();
      const csv = await t.request('POST', '/api/v1/addresses', '{"a",\n"b', {
        ...headers,
        'content-type': 'text/csv',
      });
      expectCleanProblem(csv, 400);
      const form = await t.request('POST', '/api/v1/addresses', 'accountName=x-prod', {
        ...headers,
        'content-type': 'application/x-www-form-urlencoded',
      });
      expectCleanProblem(form, 415);
      const upload = await t.request(
        'POST',
        '/api/messages',
        '--b\r\nContent-Disposition: form-data; name="f"; filename="x.txt"\r\n\r\nhello\r\n--b--\r\n',
        { 'content-type': 'multipart/form-data; boundary=b' },
      );
      expectCleanProblem(upload, 415); // never parsed: no multipart parser, no upload on disk
    });

    it('refuses a token without exp: it would be good forever', async () => {
      const res = await t.request(
        'GET',
        '/api/v1/pool',
        undefined,
        await issuer.bearer({ roles: ['Addresses.Read'], noExpiry: true }),
      );
      expectCleanProblem(res, 401);
      expect(res.body.detail).toMatch(/"exp"/);
      expect(
        (
          await t.request(
            'GET',
            '/api/v1/pool',
            undefined,
            await issuer.bearer({ roles: ['Addresses.Read'] }),
          )
        ).status,
      ).toBe(200);
    });
  });
});
