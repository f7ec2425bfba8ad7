/**
 * Whom the bot talks to, as pure rules: which Bot Connector service URLs it may call (it sends its token and
 * the conversation's content there), and which tenants a single-tenant bot serves. The incoming-activity gate
 * and the outbound connector both ask here; nothing else decides it.
 */

/** One trusted origin: an exact host, or every subdomain of a domain (`*.botframework.com`). */
export interface TrustedOrigin {
  scheme: 'https:' | 'http:';
  /** Lower case; for a wildcard, the domain after `*.`. */
  host: string;
  wildcard: boolean;
  /** Empty for the scheme's default port. */
  port: string;
}

export interface ServiceUrlPolicy {
  /** The Bot Framework / Teams hosts of the public and government clouds (deployments: an app id is set). */
  botFrameworkHosts: boolean;
  /** Loopback (local runs without an app id: the Agents Playground, the tests' fake connector). */
  loopback: boolean;
  /** TRUSTED_SERVICE_URLS: sovereign clouds, or a test's fake connector behind a real app id. */
  extra: readonly TrustedOrigin[];
}

/**
 * The service URLs Microsoft documents for Teams bots (https, default port only):
 *  - smba.trafficmanager.net: the public cloud (`/amer/`, `/emea/`, `/apac/`, `/teams/` …)
 *  - smba.infra.gcc.teams.microsoft.com: GCC
 *  - smba.infra.gov.teams.microsoft.us: GCC High
 *  - smba.infra.dod.teams.microsoft.us: DoD
 *  - *.botframework.com, *.botframework.us, *.botframework.azure.cn: the Bot Framework's own channel hosts in
 *    the public, US Government and 21Vianet clouds.
 * Teams operated by 21Vianet uses the incoming activity's serviceUrl: add its host with TRUSTED_SERVICE_URLS.
 */
export const BOT_FRAMEWORK_ORIGINS: readonly TrustedOrigin[] = [
  exact('smba.trafficmanager.net'),
  exact('smba.infra.gcc.teams.microsoft.com'),
  exact('smba.infra.gov.teams.microsoft.us'),
  exact('smba.infra.dod.teams.microsoft.us'),
  anySubdomainOf('botframework.com'),
  anySubdomainOf('botframework.us'),
  anySubdomainOf('botframework.azure.cn'),
];

function exact(host: string): TrustedOrigin {
  return { scheme: 'https:', host, wildcard: false, port: '' };
}
function anySubdomainOf(domain: string): TrustedOrigin {
  return { scheme: 'https:', host: domain, wildcard: true, port: '' };
}

/** Stands in for `*` while the URL parser reads a wildcard entry. */
const WILDCARD_LABEL = 'any-subdomain';

const LOOPBACK_HOST = /^(127(\.\d{1,3}){3}|localhost|\[::1\])$/;

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOST.test(hostname.toLowerCase());
}

/** True when `serviceUrl` is a URL the bot may send to under `policy`. */
export function isTrustedServiceUrl(serviceUrl: unknown, policy: ServiceUrlPolicy): boolean {
  if (typeof serviceUrl !== 'string' || serviceUrl.length > 2048) return false;
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  const host = url.hostname.toLowerCase();
  if (policy.loopback && isLoopbackHost(host)) return true;
  const origins = [...(policy.botFrameworkHosts ? BOT_FRAMEWORK_ORIGINS : []), ...policy.extra];
  return origins.some((o) => matches(o, url.protocol, host, url.port));
}

function matches(origin: TrustedOrigin, scheme: string, host: string, port: string): boolean {
  if (origin.scheme !== scheme || origin.port !== port) return false;
  return origin.wildcard ? host.endsWith(`.${origin.host}`) : host === origin.host;
}

/**
 * Reads one TRUSTED_SERVICE_URLS entry: `https://host`, `https://*.domain`, or an explicit origin with a port
 * (`http://127.0.0.1:4000`). Plain http only to loopback: the bot sends its token with every call.
 */
export function parseTrustedOrigin(entry: string): TrustedOrigin | { problem: string } {
  const text = entry.trim();
  const wildcard = /^https?:\/\/\*\./i.test(text);
  const invalid = { problem: `"${text}" is not an origin like https://host or https://*.domain` };
  let url: URL;
  try {
    url = new URL(wildcard ? text.replace('*.', `${WILDCARD_LABEL}.`) : text);
  } catch {
    return invalid;
  }
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') return invalid;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return invalid;
  const host = wildcard ? url.hostname.slice(WILDCARD_LABEL.length + 1) : url.hostname;
  if (wildcard && !host.includes('.'))
    return { problem: `"${text}": a wildcard needs a domain with a dot, e.g. https://*.contoso.com` };
  if (url.protocol === 'http:' && (wildcard || !isLoopbackHost(host)))
    return { problem: `"${text}": plain http is allowed for loopback only; use https` };
  return { scheme: url.protocol, host, wildcard, port: url.port };
}

/** The tenant an activity comes from, as Teams states it (channelData.tenant.id, conversation.tenantId). */
export function tenantsOfActivity(activity: { channelData?: unknown; conversation?: unknown }): string[] {
  const channelData = activity.channelData as { tenant?: { id?: unknown } } | undefined;
  const conversation = activity.conversation as { tenantId?: unknown } | undefined;
  return [channelData?.tenant?.id, conversation?.tenantId]
    .filter((t): t is string => typeof t === 'string' && t.length > 0)
    .map((t) => t.toLowerCase());
}

/**
 * A single-tenant bot (`tenantId` set) serves its own tenant only: every tenant the activity names must be
 * it, and an activity naming none is refused (Teams always names one). Multi-tenant: every tenant.
 */
export function isServedTenant(tenants: readonly string[], tenantId: string | undefined): boolean {
  if (!tenantId) return true;
  return tenants.length > 0 && tenants.every((t) => t === tenantId.toLowerCase());
}
