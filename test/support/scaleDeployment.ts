import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { channelMessage, TEAM_ID } from './activities';
import { AppProcess, startAppProcess } from './appProcess';
import { ChannelTokenIssuer } from './channelTokenIssuer';
import { FakeBotConnector } from './fakeBotConnector';
import { FakeGraph } from './fakeGraph';
import { FakeGraphMailbox } from './fakeGraphMailbox';
import { FakeManagedIdentity } from './fakeManagedIdentity';
import { startDirectory } from './requestFlow';
import { TokenIssuer } from './tokenIssuer';
import { TENANT_ID, users } from './users';

export const SCALE_MAILBOX = 'rootmail@contoso.com';
const APP_ID = '7b0e4c2a-5d1f-4a8e-9c3b-2f6d8e1a4b7c';

/**
 * Several instances of the compiled app as App Service runs them — each its own process with its own
 * WEBSITE_INSTANCE_ID, MicrosoftAppType=UserAssignedMSI with a managed identity, signed channel activities and
 * API tokens — on one Cosmos-protocol server, with the loopback fakes for Teams and Graph in this process.
 * Small on purpose (the scale tests and bench:scale share it); it folds into a general cluster harness.
 */
export class ScaleDeployment {
  readonly connector = new FakeBotConnector();
  readonly channel = new ChannelTokenIssuer();
  readonly identity = new FakeManagedIdentity();
  readonly issuer = new TokenIssuer();
  graph!: FakeGraph;
  mailbox!: FakeGraphMailbox;
  readonly instances: AppProcess[] = [];
  private readonly dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-scale-'));

  constructor(
    private readonly cosmos: { endpoint: string; key: string },
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  async start(): Promise<this> {
    this.graph = await startDirectory();
    this.mailbox = new FakeGraphMailbox(this.graph, SCALE_MAILBOX);
    await Promise.all([
      this.connector.start(),
      this.channel.start(),
      this.identity.start(),
      this.issuer.start(),
    ]);
    return this;
  }

  /** The settings of instance `name`, as the template sets them (and App Service its instance id). */
  env(name: string): Record<string, string> {
    return {
      DATA_DIR: this.dataDir,
      COSMOS_ENDPOINT: this.cosmos.endpoint,
      COSMOS_KEY: this.cosmos.key,
      COSMOS_DATABASE: 'rootmail-scale',
      MicrosoftAppId: APP_ID,
      MicrosoftAppType: 'UserAssignedMSI',
      MicrosoftAppTenantId: TENANT_ID,
      AZURE_TENANT_ID: TENANT_ID,
      TRUSTED_SERVICE_URLS: this.connector.url,
      GRAPH_BASE_URL: this.graph.baseUrl,
      MAILBOX: SCALE_MAILBOX,
      PUBLIC_BASE_URL: 'https://rootmail.contoso.com',
      GRAPH_CLIENT_STATE: 'scale-client-state',
      ADMIN_IDS: users.carol.aadObjectId,
      WEBSITE_INSTANCE_ID: name,
      ...this.channel.botSettings(),
      ...this.identity.env(),
      ...this.issuer.env(),
      ...this.extraEnv,
    };
  }

  /** Starts `count` more instances, one after another (as App Service scales out). */
  async scaleTo(count: number): Promise<AppProcess[]> {
    while (this.instances.length < count)
      this.instances.push(await startAppProcess(this.env(`instance-${this.instances.length + 1}`)));
    return this.instances;
  }

  /** An activity from Teams to one instance, signed as the Bot Framework channel signs it. */
  async send(instance: AppProcess, activity: Record<string, unknown>): Promise<number> {
    const token = this.channel.sign({ aud: APP_ID, serviceurl: this.connector.url });
    const res = await fetch(`${instance.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(activity),
    });
    await res.arrayBuffer();
    return res.status;
  }

  /** Carol (an admin) makes the channel the on-call channel, and Dave is in its team. */
  async setUpOnCall(): Promise<void> {
    const status = await this.send(
      this.instances[0],
      channelMessage(this.connector.url, users.carol, 'setup oncall'),
    );
    if (status !== 200) throw new Error(`setup oncall answered ${status}`);
    this.connector.addMembers(TEAM_ID, users.dave.aadObjectId);
  }

  /** Stops every instance as App Service does (SIGTERM: finish what is in flight), then the fakes. */
  async stop(): Promise<void> {
    await Promise.all(
      this.instances.splice(0).map(async (instance) => {
        instance.child.kill('SIGTERM');
        const timer = setTimeout(() => void instance.crash(), 15_000);
        await instance.exited;
        clearTimeout(timer);
      }),
    );
    await Promise.all([
      this.connector.stop(),
      this.channel.stop(),
      this.identity.stop(),
      this.issuer.stop(),
      this.graph?.stop(),
    ]);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
