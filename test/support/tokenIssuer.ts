import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { webcrypto } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenOptions {
  roles?: string[];
  oid?: string;
  name?: string;
  /** A delegated (user) token: the scopes it grants, e.g. 'access_as_user'. */
  scp?: string;
  /** The tenant claim; default the issuer's tenant, null for none. */
  tid?: string | null;
  /** A v1 token (issuer sts.windows.net, audience the Application ID URI), as Teams SSO gives. */
  v1?: boolean;
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  /** Sign with a key the JWKS does not publish. */
  foreignKey?: boolean;
  /** Leave out `exp` (a token that would be good forever). */
  noExpiry?: boolean;
}

/**
 * A stand-in for Entra ID's token signing: a key generated in the test, its public half served from a
 * loopback JWKS endpoint, and tokens signed with it, so the app's real jose validation runs.
 */
export class TokenIssuer {
  readonly tenant = 'test-tenant';
  readonly issuer = 'https://login.microsoftonline.com/test-tenant/v2.0';
  readonly issuerV1 = 'https://sts.windows.net/test-tenant/';
  /** The app's client id: the audience of v2 tokens. */
  readonly clientId = '7d3f0c2a-5b1e-4c8d-9a6f-1e2b3c4d5e6f';
  /** Its Application ID URI: the audience of v1 tokens. */
  readonly audience = 'api://rootmail-test';
  jwksUrl = '';
  private server?: http.Server;
  private keys?: { privateKey: webcrypto.CryptoKey; foreign: webcrypto.CryptoKey };

  async start(): Promise<this> {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const { privateKey: foreign } = await generateKeyPair('RS256');
    this.keys = { privateKey, foreign };
    const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    this.server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.jwksUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/discovery/v2.0/keys`;
    return this;
  }

  /** The settings an operator sets for the API (and the tab's sign-in): both audiences, both issuers. */
  env(): Record<string, string> {
    return {
      API_AUDIENCE: `${this.clientId},${this.audience}`,
      API_ISSUER: `${this.issuer},${this.issuerV1}`,
      API_JWKS_URL: this.jwksUrl,
    };
  }

  async token(options: TokenOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const tid = options.tid === undefined ? this.tenant : options.tid;
    const jwt = new SignJWT({
      ...(options.scp === undefined ? { roles: options.roles ?? [] } : { scp: options.scp }),
      oid: options.oid ?? 'a0000000-0000-0000-0000-00000000a0a0',
      ...(options.name ? { name: options.name } : {}),
      ...(tid === null ? {} : { tid }),
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' })
      .setIssuer(options.issuer ?? (options.v1 ? this.issuerV1 : this.issuer))
      .setAudience(options.audience ?? (options.v1 ? this.audience : this.clientId))
      .setIssuedAt(now - 60);
    if (!options.noExpiry) jwt.setExpirationTime(now + (options.expiresIn ?? 3600));
    return jwt.sign(options.foreignKey ? this.keys!.foreign : this.keys!.privateKey);
  }

  /** A delegated token for a person, as the tab gets it (NAA or Teams SSO). */
  userToken(user: { aadObjectId: string; name: string }, options: TokenOptions = {}): Promise<string> {
    return this.token({ scp: 'access_as_user', oid: user.aadObjectId, name: user.name, ...options });
  }

  async bearer(options: TokenOptions = {}): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.token(options)}` };
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
