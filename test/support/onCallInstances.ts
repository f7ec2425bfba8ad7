import { TEAMS_LIMITS } from '../../src/app/pacing/teamsSendBudget';
import { channelMessage, TEAM_ID } from './activities';
import { CosmosTestServer, startCosmosServer } from './cosmosServer';
import { FakeBotConnector } from './fakeBotConnector';
import { FakeGraph } from './fakeGraph';
import { FakeGraphMailbox } from './fakeGraphMailbox';
import { POOL_ADDRESS, POOL_ADDRESS_RECORD } from './mailFixtures';
import { startTestApp, TestApp } from './testApp';
import { users } from './users';

const MAILBOX = 'rootmail@contoso.com';

export interface OnCallInstances {
  cosmos: CosmosTestServer;
  graph: FakeGraph;
  mailbox: FakeGraphMailbox;
  connector: FakeBotConnector;
  apps: TestApp[];
  stop(): Promise<void>;
}

/**
 * `count` instances of the app in this process (testApp.ts) on one Cosmos-protocol server, all reading the
 * central mailbox on one fake Graph and posting through one fake Bot Connector, with POOL_ADDRESS in the
 * registry and the on-call channel set up (by Carol, an admin; Dave in its team), their jobs run once (the
 * inbox subscription): for the pacing tests across instances, which pace to Teams' published limits. With real processes: appCluster.ts.
 */
export async function startOnCallInstances(count: number): Promise<OnCallInstances> {
  const cosmos = await startCosmosServer();
  const graph = new FakeGraph();
  await graph.start();
  const mailbox = new FakeGraphMailbox(graph, MAILBOX);
  const connector = new FakeBotConnector();
  await connector.start();
  const apps: TestApp[] = [];
  const stop = async () => {
    for (const t of apps.splice(0)) await t.close();
    await connector.stop();
    await graph.stop();
    await cosmos.stop();
  };
  try {
    for (let i = 0; i < count; i++)
      apps.push(
        await startTestApp({
          store: 'cosmos',
          cosmos,
          connector,
          keepLogs: false,
          overrides: { teamsLimits: TEAMS_LIMITS },
          env: {
            GRAPH_BASE_URL: graph.baseUrl,
            MAILBOX,
            PUBLIC_BASE_URL: 'https://rootmail.contoso.com',
            GRAPH_CLIENT_STATE: 'scale-client-state-for-tests',
            ADMIN_IDS: users.carol.aadObjectId,
          },
        }),
      );
    const [first] = apps;
    await first.app.store.create('addresses', POOL_ADDRESS, POOL_ADDRESS_RECORD);
    await first.send(channelMessage(connector.url, users.carol, 'setup oncall'));
    connector.addMembers(TEAM_ID, users.dave.aadObjectId);
    for (const t of apps) await t.app.runJobs();
  } catch (err) {
    await stop();
    throw err;
  }
  return { cosmos, graph, mailbox, connector, apps, stop };
}
