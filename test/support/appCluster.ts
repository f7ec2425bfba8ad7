import type { KeyObject } from 'node:crypto';
import { person } from '../../src/domain/permissions';
import { ManualClock } from '../../src/ports/clock';
import type { DocumentStore } from '../../src/ports/documentStore';
import { CosmosDocumentStore } from '../../src/storage/cosmosDocumentStore';
import { channelMessage, TEAM_ID } from './activities';
import { addressUseCases, poolCsv } from './addressFixtures';
import { AppProcess, startAppProcess } from './appProcess';
import { ChannelTokenIssuer } from './channelTokenIssuer';
import { CosmosServerProcess, startCosmosServerProcess } from './cosmosProcess';
import { FakeBotConnector } from './fakeBotConnector';
import type { FakeGraph } from './fakeGraph';
import { FakeGraphMailbox } from './fakeGraphMailbox';
import { FakeManagedIdentity } from './fakeManagedIdentity';
import { startDirectory } from './requestFlow';
import { TokenIssuer } from './tokenIssuer';
import { TENANT_ID, TestUser } from './users';

/** The bot's Entra app id in the cluster (channel tokens are issued for it). */
export const CLUSTER_APP_ID = '3c9f1b7e-2a4d-4e8f-9b6c-1d2e3f4a5b6c';
/** The central mailbox on the fake Graph, when the cluster has one. */
export const CLUSTER_MAILBOX = 'rootmail@contoso.com';
const CLIENT_STATE = 'cluster-client-state-secret';

export interface AppClusterOptions {
  /** App processes started at once (default 2); more can be added with `startInstance`. */
  instances?: number;
  /** Settings for every instance on top of the deployed ones (e.g. WORK_LEASE_SECONDS), as an operator sets them. */
  env?: Record<string, string>;
  /** Pool aliases imported before the instances start (ADDRESS_STRATEGY=pool); 0 = none. */
  poolAliases?: number;
  /** The central mailbox on the fake Graph (MAILBOX, GRAPH_CLIENT_STATE, PUBLIC_BASE_URL). */
  mailbox?: boolean;
  /**
   * Which build to run: this checkout's dist/ by default. SCALE_APP_ROOT (a checkout with its own dist/ and
   * node_modules) runs another, e.g. an older commit, to show that a test fails there.
   */
  appRoot?: string;
  /** How long an instance may take to print its start banner (a loaded machine). */
  startTimeoutMs?: number;
}

/** One app process of the cluster. */
export interface ClusterInstance {
  /** 0, 1, … in the order instances were started (a restart keeps its index). */
  readonly index: number;
  process: AppProcess;
  get url(): string;
  /** False once killed (until restarted). */
  alive: boolean;
}

/**
 * Several instances of the compiled app (each its own process, test/support/appProcess.ts, named
 * `instance-1`, `instance-2` … by WEBSITE_INSTANCE_ID as App Service names them) as deployed:
 * one Cosmos DB (the Cosmos-protocol server, in a process of its own), MicrosoftAppId with the managed
 * identity and channel tokens (real JWT validation against ChannelTokenIssuer), API tokens (TokenIssuer),
 * and the loopback fakes every instance shares: one Bot Connector, one Microsoft Graph (directory, and
 * optionally the central mailbox). Instances can be killed with SIGKILL and restarted on the same data.
 *
 * For tests and benches of what must hold across instances (takeover after a crash, one subscription, one
 * decision, limits shared by all instances): send each activity or API call to the instance you choose, then
 * look at what the fakes received (`connector.calls`, `graph.calls`) and at the store (`store`).
 *
 *   const cluster = await AppCluster.start({ instances: 2, poolAliases: 20 });
 *   await cluster.send(0, personalMessage(cluster.connector.url, users.alice, 'request x'));
 *   await cluster.kill(0);                       // kill -9
 *   await cluster.restart(0);                    // same settings, same data
 *   await cluster.stop();
 */
export class AppCluster {
  readonly instances: ClusterInstance[] = [];
  private readonly env: Record<string, string>;

  private constructor(
    private readonly options: AppClusterOptions,
    readonly cosmos: CosmosServerProcess,
    readonly connector: FakeBotConnector,
    readonly graph: FakeGraph,
    readonly mailbox: FakeGraphMailbox | undefined,
    readonly channel: ChannelTokenIssuer,
    readonly api: TokenIssuer,
    readonly identity: FakeManagedIdentity,
    /** A client of the same database, to seed it and to read what the instances wrote. */
    readonly store: DocumentStore,
  ) {
    this.env = {
      COSMOS_ENDPOINT: cosmos.endpoint,
      COSMOS_KEY: cosmos.key,
      COSMOS_DATABASE: 'rootmail-cluster',
      MicrosoftAppId: CLUSTER_APP_ID,
      MicrosoftAppType: 'UserAssignedMSI',
      MicrosoftAppTenantId: TENANT_ID,
      ...identity.env(),
      TRUSTED_SERVICE_URLS: connector.url,
      ...channel.botSettings(),
      ...api.env(),
      GRAPH_BASE_URL: graph.baseUrl,
      ...(mailbox
        ? {
            MAILBOX: CLUSTER_MAILBOX,
            GRAPH_CLIENT_STATE: CLIENT_STATE,
            PUBLIC_BASE_URL: 'http://127.0.0.1:9', // Graph calls back the load balancer; tests notify instances directly
          }
        : {}),
      ADDRESS_STRATEGY: 'pool',
      LOG_LEVEL: 'warn',
      ...options.env,
    };
  }

  static async start(options: AppClusterOptions = {}): Promise<AppCluster> {
    const cosmos = await startCosmosServerProcess();
    const connector = new FakeBotConnector();
    const channel = new ChannelTokenIssuer();
    const [, , api, identity, graph] = await Promise.all([
      connector.start(),
      channel.start(),
      new TokenIssuer().start(),
      new FakeManagedIdentity().start(),
      startDirectory(),
    ]);
    const mailbox = options.mailbox ? new FakeGraphMailbox(graph, CLUSTER_MAILBOX) : undefined;
    const store = new CosmosDocumentStore({
      endpoint: cosmos.endpoint,
      key: cosmos.key,
      database: 'rootmail-cluster',
    });
    const cluster = new AppCluster(options, cosmos, connector, graph, mailbox, channel, api, identity, store);
    try {
      await store.init();
      if (options.poolAliases) {
        const { pool } = addressUseCases(store, { clock: new ManualClock(new Date()) });
        await pool.importCsv(poolCsv(1, options.poolAliases), person('cluster-setup', 'setup', true));
      }
      await Promise.all(Array.from({ length: options.instances ?? 2 }, () => cluster.startInstance()));
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Starts one more instance (a scale-out, or a new instance of a rolling deployment). */
  async startInstance(extraEnv: Record<string, string> = {}): Promise<ClusterInstance> {
    const index = this.instances.length;
    const placeholder = { index, alive: false } as ClusterInstance;
    this.instances.push(placeholder);
    const process = await this.spawn(index, extraEnv);
    const instance: ClusterInstance = {
      index,
      process,
      alive: true,
      get url() {
        return this.process.url.replace('//0.0.0.0:', '//127.0.0.1:'); // it listens on every interface
      },
    };
    this.instances[index] = instance;
    return instance;
  }

  instance(index: number): ClusterInstance {
    const instance = this.instances[index];
    if (!instance?.alive) throw new Error(`instance ${index} is not running`);
    return instance;
  }

  /** kill -9: no shutdown code runs, claims it held are left as they were. */
  async kill(index: number): Promise<void> {
    const instance = this.instances[index];
    instance.alive = false;
    await instance.process.crash();
  }

  /** Starts the instance again with the same settings, on the same data. */
  async restart(index: number, extraEnv: Record<string, string> = {}): Promise<ClusterInstance> {
    const instance = this.instances[index];
    if (instance.alive) await this.kill(index);
    instance.process = await this.spawn(index, extraEnv);
    instance.alive = true;
    return instance;
  }

  /** An activity to /api/messages of one instance, signed by the channel as Teams signs it. */
  async send(
    index: number,
    activity: Record<string, unknown>,
    options: { foreignKey?: KeyObject } = {},
  ): Promise<{ status: number; body: any }> {
    const token = this.channel.sign(
      { aud: CLUSTER_APP_ID, serviceurl: String(activity.serviceUrl) },
      options.foreignKey,
    );
    return this.call(index, 'POST', '/api/messages', activity, { authorization: `Bearer ${token}` });
  }

  /**
   * `admin` (one of ADMIN_IDS) makes the test team's channel the on-call channel through instance `index`,
   * and `members` are in its team (mail cards are for the team's members).
   */
  async setUpOnCall(admin: TestUser, members: TestUser[] = [], index = 0): Promise<void> {
    const { status } = await this.send(index, channelMessage(this.connector.url, admin, 'setup oncall'));
    if (status !== 200) throw new Error(`setup oncall answered ${status}`);
    if (members.length) this.connector.addMembers(TEAM_ID, ...members.map((m) => m.aadObjectId));
  }

  /** A call to /api/v1 (or any path) of one instance with an app token carrying `roles`. */
  async apiCall(
    index: number,
    method: string,
    pathAndQuery: string,
    body?: unknown,
    roles: string[] = ['RootMail.Admin'],
  ): Promise<{ status: number; body: any }> {
    return this.call(index, method, pathAndQuery, body, await this.api.bearer({ roles }));
  }

  /** Graph change notifications for the central mailbox, posted to one instance's webhook. */
  notify(index: number, messageIds: string[]): Promise<{ status: number; body: any }> {
    if (!this.mailbox) throw new Error('the cluster has no mailbox (options.mailbox)');
    return this.call(index, 'POST', '/api/graph/notifications', this.mailbox.notification(messageIds), {});
  }

  /** Runs `wait` (a poll for an outcome); if it fails, the error carries what the instances said. */
  async explained<T>(wait: () => Promise<T>): Promise<T> {
    try {
      return await wait();
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${this.output()}`, { cause: err });
    }
  }

  /** Everything the instances wrote to stdout/stderr (for a failing test's message). */
  output(): string {
    return this.instances
      .map(
        (i) =>
          `--- instance ${i.index}${i.alive ? '' : ' (killed)'}\n${i.process?.output().slice(-4000) ?? ''}`,
      )
      .join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.filter((i) => i.process).map((i) => i.process.crash()));
    await this.store.close().catch(() => undefined);
    await Promise.all([
      this.connector.stop(),
      this.graph.stop(),
      this.channel.stop(),
      this.api.stop(),
      this.identity.stop(),
      this.cosmos.stop(),
    ]);
  }

  private spawn(index: number, extraEnv: Record<string, string>): Promise<AppProcess> {
    return startAppProcess(
      // App Service names each instance (WEBSITE_INSTANCE_ID); a restarted instance keeps its name.
      { ...this.env, WEBSITE_INSTANCE_ID: `instance-${index + 1}`, ...extraEnv },
      this.options.startTimeoutMs ?? 60_000,
      this.options.appRoot ?? process.env.SCALE_APP_ROOT,
    );
  }

  private async call(
    index: number,
    method: string,
    pathAndQuery: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: any }> {
    const res = await fetch(this.instance(index).url + pathAndQuery, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed };
  }
}
