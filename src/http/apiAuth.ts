import { createRemoteJWKSet, errors, jwtVerify, JWTPayload } from 'jose';
import type { Request } from 'restify';
import type { AppConfig } from '../config';
import type { Principal } from '../domain/permissions';

/** App roles of the address API (Entra ID app roles, `roles` claim). Admin implies the others. */
export type ApiRole = 'Addresses.Read' | 'Addresses.Allocate' | 'Addresses.Admin';

export interface ApiCaller {
  /** `oid`, else `azp` / `appid`: the identity written into the audit log. */
  id: string;
  name?: string;
  roles: string[];
}

export type AuthOutcome =
  { ok: true; caller: ApiCaller } | { ok: false; status: 401 | 503; detail: string; challenge?: string };

/**
 * Checks Entra ID bearer tokens (signature from API_JWKS_URL, issuer, audience, expiry, and for a
 * single-tenant bot the `tid` claim) with jose.
 * Without API_* settings every call is refused: the API is never open.
 */
export function createApiAuthenticator(api: AppConfig['api']): (req: Request) => Promise<AuthOutcome> {
  if (!api) {
    return async () => ({
      ok: false,
      status: 503,
      detail: 'API authentication is not configured: set API_AUDIENCE, API_ISSUER and API_JWKS_URL.',
    });
  }
  const keys = createRemoteJWKSet(new URL(api.jwksUrl));
  return async (req) => {
    const header = req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      return {
        ok: false,
        status: 401,
        detail: 'Send an Entra ID access token for this API as "Authorization: Bearer <token>".',
        challenge: 'Bearer',
      };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], keys, {
        issuer: api.issuer,
        audience: api.audience,
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
      return {
        ok: false,
        status: 401,
        detail: `The access token was refused: ${describeTokenError(err)}.`,
        challenge: 'Bearer error="invalid_token"',
      };
    }
    const claims = payload as JWTPayload & Record<string, unknown>;
    // A single-tenant deployment serves its own tenant's callers only, whatever the issuer setting allows.
    if (api.tenantId && (typeof claims.tid !== 'string' || claims.tid.toLowerCase() !== api.tenantId))
      return {
        ok: false,
        status: 401,
        detail: 'The access token was refused: it is not from the tenant this app serves.',
        challenge: 'Bearer error="invalid_token"',
      };
    const id = ([claims.oid, claims.azp, claims.appid, claims.sub].find((v) => typeof v === 'string') ??
      'unknown-caller') as string;
    const roles = Array.isArray(claims.roles)
      ? claims.roles.filter((r): r is string => typeof r === 'string')
      : [];
    return {
      ok: true,
      caller: {
        id: id.toLowerCase(),
        name: typeof claims.name === 'string' ? claims.name : undefined,
        roles,
      },
    };
  };
}

export function hasRole(caller: ApiCaller, role: ApiRole): boolean {
  return caller.roles.includes(role) || caller.roles.includes('Addresses.Admin');
}

/** The caller as the permission policy sees them: app roles decide what they may do. */
export function principalOf(caller: ApiCaller): Principal {
  return {
    id: caller.id,
    name: caller.name ?? `API client ${caller.id}`,
    admin: hasRole(caller, 'Addresses.Admin'),
    reader: hasRole(caller, 'Addresses.Read'),
    allocator: hasRole(caller, 'Addresses.Allocate'),
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
