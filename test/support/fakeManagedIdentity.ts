import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for App Service's managed identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER), so
 * a bot configured as in production (MicrosoftAppType=UserAssignedMSI) gets a token for its outbound Bot
 * Connector calls. The token is opaque: the fake connector does not check it.
 */
export class FakeManagedIdentity {
  readonly header = 'fake-identity-header';
  readonly requests: string[] = [];
  private server?: http.Server;
  endpoint = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.requests.push(req.url ?? '');
      if (req.headers['x-identity-header'] !== this.header) {
        res.writeHead(401).end();
        return;
      }
      const url = new URL(req.url ?? '/', 'http://x');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          access_token: 'fake-managed-identity-token',
          expires_on: String(Math.floor(Date.now() / 1000) + 3600),
          resource: url.searchParams.get('resource'),
          token_type: 'Bearer',
          client_id: url.searchParams.get('client_id'),
        }),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/msi/token`;
    return this;
  }

  /** The environment App Service gives the process. */
  env(): Record<string, string> {
    return { IDENTITY_ENDPOINT: this.endpoint, IDENTITY_HEADER: this.header };
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
