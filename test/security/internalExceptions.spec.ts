import { BOT, channelMessage, personalMessage } from '../support/activities';
import { sendRaw } from '../support/rawHttp';
import { startTestApp, StoreKind, TestApp, textOf } from '../support/testApp';
import { users } from '../support/users';

/**
 * Issue 18, point 5: what raised internal exceptions under fuzz is handled where it arises — a mention entity
 * without text or without whom it mentions, `application/search` and malformed card action invokes, ids
 * Cosmos DB cannot hold, a Host header with characters a URL cannot have. Each gets an answer in our words
 * and nothing in the log at error level (the fuzz suite has a case of each too).
 */
type Activity = Record<string, any>;

describe.each<StoreKind>(['embedded', 'cosmos'])(
  'internal exceptions, handled where they arise (%s)',
  (store) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ store, env: { ADMIN_IDS: users.carol.aadObjectId } });
    });
    afterAll(() => t.close());
    beforeEach(() => t.connector.clear());

    /** Sends and answers what came back: the status, the reply text, and any error logged meanwhile. */
    const outcome = async (activity: Activity) => {
      const before = t.logs.length;
      const res = await t.send(activity);
      const errors = t.logs.slice(before).filter((l) => /"level":"(error|fatal)"/.test(l));
      const reply = t.connector.sentMessages().at(-1);
      return { status: res.status, body: res.body, reply: reply ? textOf(reply.body) : undefined, errors };
    };
    const channelHelp = (mutate: (a: Activity) => void) => {
      const activity = channelMessage(t.connector.url, users.alice, 'help');
      mutate(activity);
      return activity;
    };

    it.each<[string, (a: Activity) => void, RegExp]>([
      [
        'a mention entity without whom it mentions, beside the real one',
        (a) => a.entities.unshift({ type: 'mention', text: '<at>Someone</at>' }),
        /request/,
      ],
      [
        'a mention of the bot without its text',
        (a) => (a.entities = [{ type: 'mention', mentioned: BOT }]),
        /./,
      ],
      ['a mention of the bot, and no text at all', (a) => delete a.text, /Type `help`/],
      ['a mention whose text is not a string', (a) => (a.entities[0].text = { x: 1 }), /./],
    ])('answers a channel message with %s', async (_case, mutate, expected) => {
      const result = await outcome(channelHelp(mutate));
      expect(result).toMatchObject({ status: 200, errors: [] });
      expect(result.reply).toMatch(expected);
    });

    it.each<[string, unknown]>([
      ['a string', 'x'],
      ['a number', 5],
      ['null', null],
      ['an object without queryText', {}],
      ['a well-formed search', { kind: 'search', queryText: 'pay', dataset: 'accounts' }],
    ])(
      'answers an application/search invoke with %s as its value: 501, nobody offers a search',
      async (_case, value) => {
        const invoke = {
          ...personalMessage(t.connector.url, users.alice, ''),
          type: 'invoke',
          name: 'application/search',
          value,
        };
        const result = await outcome(invoke);
        expect(result).toMatchObject({ status: 501, errors: [] });
      },
    );

    it.each<[string, unknown]>([
      ['an empty object', {}],
      ['action as null', { action: null }],
      ['a string', 'x'],
      ['action as a list', { action: [] }],
    ])('answers a card action invoke with %s as its value: 400 in our words', async (_case, value) => {
      const invoke = {
        ...personalMessage(t.connector.url, users.alice, ''),
        type: 'invoke',
        name: 'adaptiveCard/action',
        value,
      };
      const result = await outcome(invoke);
      expect(result).toMatchObject({ status: 400, errors: [] });
      expect(result.body).toMatchObject({
        statusCode: 400,
        value: { message: 'That button is not one I know.' },
      });
    });

    it('answers a person whose ids hold / \\ ? # (Cosmos DB ids cannot), and remembers the chat', async () => {
      const activity = personalMessage(t.connector.url, users.alice, 'help');
      activity.from.aadObjectId = 'a/b#c?d\\e';
      activity.conversation.id = 'a:x/y#z?w';
      const result = await outcome(activity);
      expect(result).toMatchObject({ status: 200, errors: [] });
      expect(result.reply).toMatch(/request/);
      expect(await t.app.store.get('conversations', 'user:a/b#c?d\\e')).toMatchObject({ kind: 'personal' });
    });

    it.each<[string, (a: Activity) => void, RegExp]>([
      // Copied into the reply's x-ms-conversation-id header, which Node refused to send.
      ['a conversation id with a line break', (a) => (a.conversation.id = 'a:x\r\ny'), /conversation\.id/],
      ['a conversation id beyond Latin-1', (a) => (a.conversation.id = 'a:☃'), /conversation\.id/],
      // Copied into the reply, whose schema the connector client checks as it sends.
      ['conversation.isGroup as a string', (a) => (a.conversation.isGroup = 'a/b'), /isGroup/],
      ['from.properties as a list', (a) => (a.from.properties = [1]), /properties/],
    ])(
      'answers 400 to an activity with %s, before a reply fails to go out',
      async (_case, mutate, detail) => {
        const activity = personalMessage(t.connector.url, users.alice, 'help');
        mutate(activity);
        const result = await outcome(activity);
        expect(result).toMatchObject({ status: 400, errors: [], reply: undefined });
        expect(result.body.detail).toMatch(detail);
      },
    );

    it('answers 400 to a Host header a URL cannot have, before any route', async () => {
      for (const host of ['a b', '[::1', 'x:99999999', 'a<b>']) {
        const answer = await sendRaw(t.url, 'GET', '/healthz', { host });
        expect({ host, status: answer.status }).toEqual({ host, status: 400 });
      }
      expect((await t.request('GET', '/healthz')).status).toBe(200);
    });
  },
);
