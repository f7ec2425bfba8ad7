import { readFileSync } from 'node:fs';
import path from 'node:path';
import { installedForUser, personalConversationId, personalMessage } from '../support/activities';
import { ChannelTokenIssuer } from '../support/channelTokenIssuer';
import { FakeBotConnector } from '../support/fakeBotConnector';
import { FakeManagedIdentity } from '../support/fakeManagedIdentity';
import type { FakeGraph } from '../support/fakeGraph';
import { startDirectory } from '../support/requestFlow';
import { startTestApp, TestApp } from '../support/testApp';
import { TokenIssuer } from '../support/tokenIssuer';
import { TENANT_ID, users } from '../support/users';

/**
 * Whom the bot talks to, over real HTTP with the real CloudAdapter and real JWT validation: it sends to
 * trusted Bot Connector hosts only (replies and proactive posts alike), and a single-tenant bot serves its
 * own tenant only, in Teams and in the API.
 */
const APP_ID = '3c9f1b7e-2a4d-4e8f-9b6c-1d2e3f4a5b6c';
const OTHER_TENANT = 'ffffffff-0000-0000-0000-000000000000';
type Activity = Record<string, any>;

/** The body carries our words only: no stack, no class or library message. */
function expectCleanProblem(res: { status: number; body: any }, status: number) {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ type: 'about:blank', status });
  expect(JSON.stringify(res.body)).not.toMatch(/Error|\bat \w|cannot be null|botbuilder|undefined/);
}

/** The production setup: the bot signs in as a user-assigned managed identity, single tenant. */
const BOT_AS_MANAGED_IDENTITY = {
  MicrosoftAppId: APP_ID,
  MicrosoftAppType: 'UserAssignedMSI',
  MicrosoftAppTenantId: TENANT_ID,
};
let identity: FakeManagedIdentity;
beforeAll(async () => {
  identity = await new FakeManagedIdentity().start();
  Object.assign(process.env, identity.env()); // read by the Azure SDK's credential, as App Service sets it
});
afterAll(async () => {
  for (const name of Object.keys(identity.env())) delete process.env[name];
  await identity.stop();
});

describe('trusted service URLs, with an app id', () => {
  let channel: ChannelTokenIssuer;
  let api: TokenIssuer;
  let graph: FakeGraph;
  let trusted: FakeBotConnector;
  let attacker: FakeBotConnector;
  let t: TestApp;

  beforeAll(async () => {
    jest.spyOn(console, 'error').mockImplementation(() => undefined); // botbuilder prints refused tokens
    channel = new ChannelTokenIssuer();
    await channel.start();
    api = await new TokenIssuer().start();
    graph = await startDirectory();
    trusted = new FakeBotConnector();
    attacker = new FakeBotConnector();
    await Promise.all([trusted.start(), attacker.start()]);
    t = await startTestApp({
      connector: trusted,
      env: {
        ...BOT_AS_MANAGED_IDENTITY,
        TRUSTED_SERVICE_URLS: trusted.url,
        GRAPH_BASE_URL: graph.baseUrl,
        ADDRESS_STRATEGY: 'plus',
        PLUS_ADDRESS: 'aws@contoso.com',
        ...channel.botSettings(),
        ...api.env(),
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([
      trusted.stop(),
      attacker.stop(),
      graph.stop(),
      api.stop(),
      channel.stop(),
      identity.stop(),
    ]);
    for (const name of Object.keys(identity.env())) delete process.env[name];
    jest.restoreAllMocks();
  });
  beforeEach(() => {
    trusted.clear();
    attacker.clear();
  });

  const post = (activity: Activity) =>
    t.request('POST', '/api/messages', activity, {
      authorization: `Bearer ${channel.sign({ aud: APP_ID, serviceurl: activity.serviceUrl })}`,
    });

  it('answers a validly signed activity from a trusted connector', async () => {
    const res = await post(personalMessage(trusted.url, users.alice, 'help'));
    expect(res.status).toBe(200);
    expect(trusted.sentMessages()).toHaveLength(1);
    expect(trusted.sentMessages()[0].authorization).toBe('Bearer fake-managed-identity-token');
  });

  it('refuses an activity whose serviceUrl is not trusted, even with a valid token: 403, nothing sent anywhere', async () => {
    const res = await post(personalMessage(attacker.url, users.alice, 'list all'));
    expectCleanProblem(res, 403);
    expect(attacker.calls).toEqual([]);
    expect(trusted.calls).toEqual([]);
  });

  it.each([
    ['a look-alike host', 'https://smba.trafficmanager.net.evil.example/amer/'],
    ['a subdomain of the Teams host', 'https://x.smba.trafficmanager.net/amer/'],
    ['plain http to a Teams host', 'http://smba.trafficmanager.net/amer/'],
    ['another port', 'https://smba.trafficmanager.net:8443/amer/'],
    ['credentials in the URL', 'https://user:pw@smba.trafficmanager.net/amer/'],
    ['a cloud metadata address', 'http://169.254.169.254/metadata/'],
  ])('refuses %s as serviceUrl', async (_case, serviceUrl) => {
    const res = await post(personalMessage(serviceUrl, users.alice, 'help'));
    expectCleanProblem(res, 403);
  });

  it('never sends to a stored conversation reference that points elsewhere (a proactive post)', async () => {
    // A reference stored before this check existed, pointing at an attacker's host.
    const stored = installedForUser(attacker.url, users.alice);
    await t.app.store.upsert('conversations', `user:${users.alice.aadObjectId}`, {
      kind: 'personal',
      tenantId: TENANT_ID,
      serviceUrl: attacker.url,
      userId: users.alice.aadObjectId,
      reference: {
        serviceUrl: attacker.url,
        channelId: 'msteams',
        conversation: stored.conversation,
        bot: stored.recipient,
        user: stored.from,
      },
      storedAt: new Date().toISOString(),
    });
    const token = await api.bearer({ oid: users.alice.aadObjectId, name: users.alice.name });
    const res = await t.request('POST', '/api/v1/addresses', { accountName: 'proactive-probe' }, token);
    expect(res.status).toBe(202);

    expect(attacker.calls).toEqual([]); // neither the approval card nor anything else went there
    const status = await t.request('GET', res.body.statusUrl, undefined, token);
    expect(status.body.delivery).toBe('undelivered');
    expect(t.logs.some((l) => /UntrustedServiceUrlError/.test(l))).toBe(true);
  });
});

describe('trusted service URLs, anonymous (local) mode', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers loopback connectors only: a recorded Teams payload with its real serviceUrl is refused', async () => {
    const recorded = JSON.parse(
      readFileSync(path.join(__dirname, '../fixtures/teams/a_personal_message.json'), 'utf8'),
    );
    expect(recorded.serviceUrl).toMatch(/^https:\/\/smba\.trafficmanager\.net\//);
    expectCleanProblem(await t.send(recorded), 403);
    expect((await t.send({ ...recorded, serviceUrl: t.connector.url })).status).toBe(200);
    expect(t.connector.sentMessages()).toHaveLength(1);
  });
});

describe('a single-tenant bot', () => {
  let channel: ChannelTokenIssuer;
  let api: TokenIssuer;
  let t: TestApp;

  beforeAll(async () => {
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    channel = new ChannelTokenIssuer();
    await channel.start();
    api = await new TokenIssuer().start();
    const connector = new FakeBotConnector();
    await connector.start();
    t = await startTestApp({
      connector,
      env: {
        ...BOT_AS_MANAGED_IDENTITY,
        TRUSTED_SERVICE_URLS: connector.url,
        ...channel.botSettings(),
        ...api.env(),
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await t.connector.stop();
    await Promise.all([api.stop(), channel.stop()]);
    jest.restoreAllMocks();
  });
  beforeEach(() => t.connector.clear());

  const post = (activity: Activity) =>
    t.request('POST', '/api/messages', activity, {
      authorization: `Bearer ${channel.sign({ aud: APP_ID, serviceurl: activity.serviceUrl })}`,
    });
  const fromTenant = (tenant: { channelData?: string; conversation?: string }, user = users.eve) => {
    const activity = personalMessage(t.connector.url, user, 'help');
    activity.channelData = tenant.channelData ? { tenant: { id: tenant.channelData } } : {};
    if (tenant.conversation) activity.conversation.tenantId = tenant.conversation;
    else delete activity.conversation.tenantId;
    return activity;
  };

  it('serves its own tenant', async () => {
    const res = await post(fromTenant({ channelData: TENANT_ID, conversation: TENANT_ID }, users.dave));
    expect(res.status).toBe(200);
    expect(t.connector.sentMessages()).toHaveLength(1);
  });

  it.each([
    ['another tenant', { channelData: OTHER_TENANT, conversation: OTHER_TENANT }],
    ['another tenant in the conversation only', { channelData: TENANT_ID, conversation: OTHER_TENANT }],
    ['another tenant in channelData only', { channelData: OTHER_TENANT, conversation: TENANT_ID }],
    ['no tenant at all', {}],
  ])('refuses an activity from %s: 403, no turn, nothing stored or sent', async (_case, tenant) => {
    const res = await post(fromTenant(tenant));
    expectCleanProblem(res, 403);
    expect(t.connector.calls).toEqual([]);
    expect(await t.app.store.get('conversations', `user:${users.eve.aadObjectId}`)).toBeUndefined();
    expect(await t.app.store.get('conversations', personalConversationId(users.eve))).toBeUndefined();
  });

  it('refuses API tokens of other tenants, and tokens that name no tenant', async () => {
    // The API's tenant is the one its issuers name (API_ISSUER), the bot's own in a deployment.
    const call = async (tid: string | null) =>
      t.request('GET', '/api/v1/pool', undefined, await api.bearer({ roles: ['Addresses.Read'], tid }));
    expect((await call(api.tenant)).status).toBe(200);
    const other = await call(OTHER_TENANT);
    expect(other.status).toBe(401);
    expect(other.body.detail).toMatch(/not from the tenant this app serves/);
    expect((await call(null)).status).toBe(401);
  });
});
