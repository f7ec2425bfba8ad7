import { generateKeyPairSync } from 'node:crypto';
import { installedForUser, personalConversationId, personalMessage } from '../support/activities';
import { ChannelTokenIssuer } from '../support/channelTokenIssuer';
import { FakeBotConnector } from '../support/fakeBotConnector';
import { startTestApp, TestApp } from '../support/testApp';
import { users } from '../support/users';

const APP_ID = '3c9f1b7e-2a4d-4e8f-9b6c-1d2e3f4a5b6c';

describe('bot authentication: only the channel, with a valid token, gets a turn', () => {
  let issuer: ChannelTokenIssuer;
  let t: TestApp;

  beforeAll(async () => {
    // botbuilder prints every refused token with console.error; our own logs go through pino.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    issuer = new ChannelTokenIssuer();
    await issuer.start();
    const connector = new FakeBotConnector();
    await connector.start();
    t = await startTestApp({
      connector,
      env: {
        MicrosoftAppId: APP_ID,
        MicrosoftAppPassword: 'not-used-here',
        // With an app id the bot calls Bot Framework hosts only; the fake connector is added by name.
        TRUSTED_SERVICE_URLS: connector.url,
        ...issuer.botSettings(),
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await t.connector.stop();
    await issuer.stop();
    jest.restoreAllMocks();
  });
  beforeEach(() => t.connector.clear());

  /** Posts an activity as Teams does, with a bearer token (or none). */
  async function post(activity: Record<string, unknown>, token?: string) {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    return t.request('POST', '/api/messages', activity, headers);
  }

  const installation = (user = users.alice) => installedForUser(t.connector.url, user);
  const storedChat = (user = users.alice) => t.app.store.get('conversations', personalConversationId(user));

  it('refuses an activity without a token: 401, no turn, nothing stored or sent', async () => {
    const res = await post(installation());
    expect(res.status).toBe(401);
    expect(await storedChat()).toBeUndefined();

    const help = await post(personalMessage(t.connector.url, users.alice, 'help'));
    expect(help.status).toBe(401);
    expect(t.connector.calls).toHaveLength(0);
  });

  it('refuses a token signed with a foreign key under the channel key id', async () => {
    const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const token = issuer.sign({ aud: APP_ID, serviceurl: t.connector.url }, foreign);
    const res = await post(installation(users.bob), token);
    expect(res.status).toBe(401);
    expect(await storedChat(users.bob)).toBeUndefined();
  });

  it.each([
    ['another bot', { aud: '00000000-0000-0000-0000-000000000000' }],
    ['another issuer', { iss: 'https://sts.example.com/' }],
    ['another serviceUrl', { serviceurl: 'https://smba.trafficmanager.net/evil/' }],
    ['an expired token', { expiresIn: -3600 }],
    ['a token without exp (good forever; issue 18)', { noExpiry: true }],
  ])('refuses a correctly signed token for %s', async (_case, override) => {
    const token = issuer.sign({ aud: APP_ID, serviceurl: t.connector.url, ...override });
    const res = await post(installation(users.carol), token);
    expect(res.status).toBe(401);
    expect(await storedChat(users.carol)).toBeUndefined();
  });

  it('accepts a valid channel token and runs the turn (the installation is remembered)', async () => {
    const token = issuer.sign({ aud: APP_ID, serviceurl: t.connector.url });
    const res = await post(installation(users.dave), token);
    expect(res.status).toBe(200);
    const stored = await storedChat(users.dave);
    expect(stored).toMatchObject({ kind: 'personal', serviceUrl: t.connector.url });
  });
});
