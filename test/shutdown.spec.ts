import { execFileSync } from 'node:child_process';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { personalMessage } from './support/activities';
import { AppProcess, startAppProcess } from './support/appProcess';
import { ChannelTokenIssuer } from './support/channelTokenIssuer';
import { FakeManagedIdentity } from './support/fakeManagedIdentity';
import { pollUntil } from './support/pollUntil';
import { TENANT_ID, users } from './support/users';

/** What arrived at a loopback HTTP endpoint: method, path and the raw body. */
interface Received {
  method: string;
  path: string;
  body: string;
}

/**
 * A loopback endpoint that records requests and holds each answer until the test releases it: here it
 * plays Teams' Bot Connector, so a bot turn stays in flight for as long as the test wants.
 */
class HeldEndpoint {
  readonly received: Received[] = [];
  private release!: () => void;
  private readonly released = new Promise<void>((resolve) => (this.release = resolve));
  private arrived!: () => void;
  readonly firstArrival = new Promise<void>((resolve) => (this.arrived = resolve));
  private readonly server: http.Server;
  url = '';

  constructor(
    private readonly hold: boolean,
    private readonly tls?: { key: Buffer; cert: Buffer },
  ) {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const scheme = this.tls ? 'https' : 'http';
    this.url = `${scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this.url;
  }

  answer(): void {
    this.release();
  }

  async stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    this.received.push({
      method: req.method ?? '',
      path: req.url ?? '',
      body: Buffer.concat(chunks).toString(),
    });
    this.arrived();
    if (this.hold) await this.released;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: `reply-${this.received.length}`, itemsReceived: 1, itemsAccepted: 1 }));
  }
}

describe('graceful shutdown of the real process', () => {
  let dataDir: string;
  let connector: HeldEndpoint;
  let app: AppProcess | undefined;

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'rootmail-shutdown-'));
  });
  afterEach(async () => {
    if (app && app.child.exitCode === null) app.child.kill('SIGKILL');
    await connector?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('on SIGTERM stops accepting, finishes the turn in flight, answers 200 and exits 0', async () => {
    connector = new HeldEndpoint(true);
    await connector.start();
    app = await startAppProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'info' });

    // A keep-alive connection that sits idle must not hold the shutdown open.
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);

    const answer = fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(personalMessage(connector.url, users.alice, 'help')),
    });
    await connector.firstArrival; // the bot is now mid-turn, waiting for Teams to take its reply

    app.child.kill('SIGTERM');
    await pollUntil(() => /shutting down/.test(app!.output()), 'the shutdown log line');
    await expect(fetch(`${app.url}/healthz`, { headers: { connection: 'close' } })).rejects.toThrow();

    connector.answer();
    const res = await answer;
    expect(res.status).toBe(200);
    expect(connector.received).toHaveLength(1);
    expect(connector.received[0].path).toMatch(/^\/v3\/conversations\/.+\/activities\/.+/);
    expect(JSON.parse(connector.received[0].body).attachments[0].contentType).toBe(
      'application/vnd.microsoft.card.adaptive',
    );

    const startedWaiting = Date.now();
    const { code } = await app.exited;
    expect(code).toBe(0);
    expect(Date.now() - startedWaiting).toBeLessThan(5_000); // not held by keep-alive timeouts
    expect(app.output()).toMatch(/shut down cleanly/);
    // A local run's start (what `npm start` runs) prints no deprecation or other warning of Node's.
    expect(app.output()).toMatch(/directory: {5}local, .*local-directory\.json \(admin: Alex Wilber/);
    expect(app.output()).not.toMatch(/DeprecationWarning|\(node:\d+\) \[DEP|Warning:/);
  });

  it('with APPLICATIONINSIGHTS_CONNECTION_STRING set, flushes the request telemetry to the ingestion endpoint on SIGTERM', async () => {
    // The Azure Monitor exporter speaks https only: a self-signed certificate the child process trusts.
    const certFile = path.join(dataDir, 'ingestion-cert.pem');
    const keyFile = path.join(dataDir, 'ingestion-key.pem');
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
        ...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
      ],
      { stdio: 'ignore' },
    );
    connector = new HeldEndpoint(false);
    const ingestion = new HeldEndpoint(false, { key: readFileSync(keyFile), cert: readFileSync(certFile) });
    // Telemetry makes this a deployment, so the bot has an app id (a managed identity, as in Azure) and
    // takes signed activities only.
    const channel = new ChannelTokenIssuer();
    const identity = await new FakeManagedIdentity().start();
    await Promise.all([connector.start(), ingestion.start(), channel.start()]);
    const appId = '3c9f1b7e-2a4d-4e8f-9b6c-1d2e3f4a5b6c';
    try {
      app = await startAppProcess({
        DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        NODE_EXTRA_CA_CERTS: certFile,
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=${ingestion.url}`,
        APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
        MicrosoftAppId: appId,
        MicrosoftAppType: 'UserAssignedMSI',
        MicrosoftAppTenantId: TENANT_ID,
        AZURE_TENANT_ID: TENANT_ID, // a deployment reads people from Microsoft Graph
        TRUSTED_SERVICE_URLS: connector.url,
        ...channel.botSettings(),
        ...identity.env(),
      });
      expect(app.output()).toMatch(/telemetry: +Application Insights/);

      // A query string can carry a secret (Graph's validationToken handshake): it must not be exported.
      const res = await fetch(`${app.url}/api/messages?validationToken=tok-4711-not-for-telemetry`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${channel.sign({ aud: appId, serviceurl: connector.url })}`,
        },
        body: JSON.stringify(personalMessage(connector.url, users.alice, 'help')),
      });
      expect(res.status).toBe(200);
      expect(ingestion.received).toHaveLength(0); // batched, not sent per request

      app.child.kill('SIGTERM');
      const exit = await app.exited;
      if (exit.code !== 0) console.log(app.output());
      expect(exit.code).toBe(0);
      const sent = ingestion.received.map((r) => r.body).join('\n');
      expect(sent).toMatch(/"name":"POST \/api\/messages"|POST \/api\/messages/);
      expect(sent).toMatch(/rootmail\.bot\.turns/);
      expect(sent).not.toContain('tok-4711');
    } finally {
      await Promise.all([ingestion.stop(), channel.stop(), identity.stop()]);
    }
  });
});
