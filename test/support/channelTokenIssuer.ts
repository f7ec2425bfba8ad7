import { createSign, generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Claims the Bot Framework channel puts in the token it sends with every activity. */
export interface ChannelClaims {
  aud: string;
  serviceurl: string;
  iss?: string;
  /** Seconds from now until the token expires (negative: already expired). */
  expiresIn?: number;
  /** A token without `exp`: good forever, were it accepted. */
  noExpiry?: boolean;
}

/**
 * A loopback stand-in for the Bot Framework channel's token issuer: OpenID metadata and a JWKS with a
 * key generated for the test, so the bot's real JWT validation runs against tokens the test signs.
 * (Signed with node:crypto: jose 6 is ESM only and jest's module loader cannot load it.)
 */
export class ChannelTokenIssuer {
  readonly issuer = 'https://api.botframework.test';
  private readonly keyId = randomUUID();
  private readonly key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private server?: http.Server;
  metadataUrl = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const base = this.metadataUrl.replace(/\/\.well-known\/.*$/, '');
      const send = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/.well-known/openidconfiguration') {
        return send({
          issuer: this.issuer,
          jwks_uri: `${base}/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
        });
      }
      if (req.url === '/keys') {
        const jwk = this.key.publicKey.export({ format: 'jwk' });
        return send({
          keys: [{ ...jwk, kid: this.keyId, kty: 'RSA', use: 'sig', endorsements: ['msteams'] }],
        });
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.metadataUrl = `http://127.0.0.1:${port}/.well-known/openidconfiguration`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The bot settings that make botbuilder trust this issuer instead of the real channel. */
  botSettings(): Record<string, string> {
    return { ToBotFromChannelOpenIdMetadataUrl: this.metadataUrl, ToBotFromChannelTokenIssuer: this.issuer };
  }

  /** A channel token signed with this issuer's key, or with `foreignKey` (same key id: a forgery). */
  sign(claims: ChannelClaims, foreignKey?: KeyObject): string {
    const now = Math.floor(Date.now() / 1000);
    const { expiresIn = 3600, noExpiry, ...rest } = claims;
    const payload = {
      iss: this.issuer,
      nbf: now - 60,
      iat: now - 60,
      ...(noExpiry ? {} : { exp: now + expiresIn }),
      ...rest,
    };
    const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
    const unsigned = `${encode({ alg: 'RS256', typ: 'JWT', kid: this.keyId })}.${encode(payload)}`;
    const signature = createSign('RSA-SHA256')
      .update(unsigned)
      .sign(foreignKey ?? this.key.privateKey);
    return `${unsigned}.${signature.toString('base64url')}`;
  }
}
