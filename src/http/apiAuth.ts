import { createRemoteJWKSet, errors, jwtVerify, JWTPayload } from 'jose';
import type { Request } from 'restify';
import type { AppConfig } from '../config';
import { person, Principal } from '../domain/permissions';
import type { LocalSessions } from './localSessions';

/** App roles of the address API (Entra ID app roles, `roles` claim). Admin implies the others. */
export type ApiRole = 'Addresses.Read' | 'Addresses.Allocate' | 'Addresses.Admin';

/** The delegated permission the tab asks for: the API acts as the signed-in user. */
export const USER_SCOPE = 'access_as_user';

export type ApiCaller =
  /** An automation client with an app-only token: `azp` / `appid` (or `oid`), acting by its app roles. */
  | { kind: 'app'; id: string; name?: string; roles: string[] }
  /** A person: the tab with a delegated token (`scp` access_as_user), or a local run's local session. */
  | { kind: 'user'; id: string; name: string };

export type AuthOutcome =
  | { ok: true; caller: ApiCaller }
  | { ok: false; status: 401 | 403 | 404 | 503; detail: string; challenge?: string };

const refused = (detail: string): AuthOutcome => ({
  ok: false,
  status: 401,
  detail: `The access token was refused: ${detail}.`,
  challenge: 'Bearer error="invalid_token"',
});

/**
 * Who calls /api/v1: an Entra ID bearer token (signature from API_JWKS_URL, one of the issuers, one of the
 * audiences, expiry, the tenant, and for a user token the scope access_as_user), or in a local run a local
 * session of the tab (see localSessions.ts). Without API_* settings every token is refused: the API is
 * never open.
 */
export function createApiAuthenticator(
  api: AppConfig['api'],
  localSessions?: LocalSessions,
): (req: Request) => Promise<AuthOutcome> {
  const keys = api && createRemoteJWKSet(new URL(api.jwksUrl));
  return async (req) => {
    const header = req.header('authorization') ?? '';
    if (/^LocalSession\s/i.test(header)) {
      if (localSessions) return localSessions.authenticate(req, header.replace(/^LocalSession\s+/i, ''));
      return {
        ok: false,
        status: 401,
        detail: 'Local sessions exist only in a local run; send an Entra ID access token.',
        challenge: 'Bearer',
      };
    }
    // Off, not down: no call can succeed until it is configured (503 stays for the keys being unreachable).
    if (!api || !keys)
      return {
        ok: false,
        status: 404,
        detail:
          'The HTTP API is off: API authentication is not configured. Set API_AUDIENCE, API_ISSUER and API_JWKS_URL to turn it on (docs/deployment.md).',
      };
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      return {
        ok: false,
        status: 401,
        detail: 'Send an Entra ID access token for this API as "Authorization: Bearer <token>".',
        challenge: 'Bearer',
      };
    let claims: JWTPayload & Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(match[1], keys, {
        issuer: api.issuers,
        audience: api.audiences,
        clockTolerance: 60,
        // A token without an expiry would be good forever.
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError))
        return {
          ok: false,
          status: 503,
          detail: 'The token signing keys cannot be fetched right now; try again.',
        };
      return refused(describeTokenError(err));
    }
    const text = (name: string) => (typeof claims[name] === 'string' ? (claims[name] as string) : undefined);
    if (api.tenantId && text('tid')?.toLowerCase() !== api.tenantId)
      return refused('it is not from the tenant this app serves');

    const scopes = text('scp');
    if (scopes !== undefined) {
      // A delegated token: the app acts as the signed-in person, never with more than they may do.
      if (!scopes.split(' ').includes(USER_SCOPE))
        return {
          ok: false,
          status: 403,
          detail: `The token does not grant the scope ${USER_SCOPE}.`,
          challenge: `Bearer error="insufficient_scope", scope="${USER_SCOPE}"`,
        };
      const oid = text('oid');
      if (!oid) return refused('it names no user (no "oid" claim)');
      const name = text('name') ?? text('preferred_username') ?? text('upn') ?? oid;
      return { ok: true, caller: { kind: 'user', id: oid.toLowerCase(), name } };
    }
    const id = text('oid') ?? text('azp') ?? text('appid') ?? text('sub') ?? 'unknown-caller';
    const roles = Array.isArray(claims.roles)
      ? claims.roles.filter((r): r is string => typeof r === 'string')
      : [];
    return { ok: true, caller: { kind: 'app', id: id.toLowerCase(), name: text('name'), roles } };
  };
}

export function hasRole(roles: readonly string[], role: ApiRole): boolean {
  return roles.includes(role) || roles.includes('Addresses.Admin');
}

/**
 * The caller as the permission policy sees them: an app by its app roles; a person as in chat (an admin
 * when listed in ADMIN_IDS), whatever roles their token may carry.
 */
export function principalOf(caller: ApiCaller, isAdmin: (id: string) => boolean): Principal {
  if (caller.kind === 'user') return person(caller.id, caller.name, isAdmin(caller.id));
  return {
    id: caller.id,
    name: caller.name ?? `API client ${caller.id}`,
    admin: hasRole(caller.roles, 'Addresses.Admin'),
    reader: hasRole(caller.roles, 'Addresses.Read'),
    allocator: hasRole(caller.roles, 'Addresses.Allocate'),
    app: true,
  };
}

function describeTokenError(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'it has expired';
  if (err instanceof errors.JWTClaimValidationFailed)
    return err.reason === 'missing'
      ? `it has no "${err.claim}" claim`
      : `its "${err.claim}" claim is not the one expected`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey) return 'it is not signed with a key of the configured issuer';
  return 'it is not a valid signed token';
}
