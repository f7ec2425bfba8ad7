import { DEFAULT_ENVIRONMENTS } from './domain/addressRequests';
import { z } from 'zod';
import { isLoopbackHost, parseTrustedOrigin, TrustedOrigin } from './domain/channelTrust';
// The one small module, not the mail-classification entry: scripts that only read settings need not load it all.
import { senderDomainProblem } from './domain/mail/senderDomains';
import { AddressRange, isLoopbackBinding, LOOPBACK_RANGES, parseRange } from './domain/networkRanges';

/**
 * Every setting the app reads, validated once at start. The names are the fixed ones from
 * shared/DESIGN.md; infra/ sets exactly these. No settings at all is a valid local run.
 */

export const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().trim().optional());
const optionalUrl = z.preprocess(emptyToUndefined, z.string().url({ message: 'must be a URL' }).optional());
const intIn = (min: number, max: number, fallback: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ message: 'must be a whole number' })
      .int({ message: 'must be a whole number' })
      .min(min, { message: `must be at least ${min}` })
      .max(max, { message: `must be at most ${max}` })
      .default(fallback),
  );
/** `A,b` → ['a', 'b'], each entry lower-cased and matching `pattern` (else `message`). */
const lowerCaseList = (pattern: RegExp, message: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v : ''),
    z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim().toLowerCase())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(pattern, { message }))),
  );
const idList = lowerCaseList(
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^[a-z0-9:_.-]+$/,
  'must be Entra object ids separated by commas',
);

/** `a,b` → ['a', 'b']; empty → undefined. */
const commaList = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .optional(),
);

/** `a,b` parsed entry by entry; each entry that does not parse is named in the message (`must list <what>: …`). */
const parsedList = <T>(what: string, parse: (entry: string) => T | { problem: string }) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v : ''),
    z.string().transform((s, ctx) => {
      const parsed: T[] = [];
      for (const entry of s
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean)) {
        const result = parse(entry);
        if (typeof result === 'object' && result !== null && 'problem' in result)
          ctx.addIssue({ code: 'custom', message: `must list ${what}: ${result.problem}` });
        else parsed.push(result as T);
      }
      return parsed;
    }),
  );

const envShape = z.object({
  PORT: intIn(0, 65535, 3978),
  MicrosoftAppId: optionalString,
  MicrosoftAppPassword: optionalString,
  MicrosoftAppType: z.preprocess(
    emptyToUndefined,
    z
      .enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI'], {
        message: 'must be MultiTenant, SingleTenant or UserAssignedMSI',
      })
      .optional(),
  ),
  MicrosoftAppTenantId: optionalString,
  /** Extra Bot Connector origins the bot may call (sovereign clouds; a test's fake connector). */
  TRUSTED_SERVICE_URLS: parsedList<TrustedOrigin>('origins', parseTrustedOrigin),
  COSMOS_ENDPOINT: optionalUrl,
  COSMOS_KEY: optionalString,
  COSMOS_DATABASE: z.preprocess(emptyToUndefined, z.string().default('rootmail')),
  /** Request units per second that background work (jobs, imports, reconciliation) may spend at most. */
  COSMOS_BACKGROUND_RU_PER_SECOND: intIn(10, 1_000_000, 500),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  GRAPH_BASE_URL: optionalUrl,
  AZURE_TENANT_ID: optionalString,
  AZURE_CLIENT_ID: optionalString,
  MAILBOX: optionalString,
  PUBLIC_BASE_URL: optionalUrl,
  GRAPH_CLIENT_STATE: optionalString,
  /** Sender domains AWS writes root mail from that are not built in (e.g. amazon.co.jp); never widens the checks. */
  AWS_EXTRA_SENDER_DOMAINS: z.preprocess(
    (v) => (typeof v === 'string' ? v : ''),
    z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim().toLowerCase())
          .filter(Boolean),
      )
      .superRefine((domains, ctx) => {
        for (const domain of domains) {
          const problem = senderDomainProblem(domain);
          if (problem) ctx.addIssue({ code: 'custom', message: `must list sender domains: ${problem}` });
        }
      }),
  ),
  ADMIN_IDS: idList,
  // Approvers are looked up in the directory when a request is made: a UPN (or mail) names them as well.
  APPROVER_IDS: lowerCaseList(
    /^[a-z0-9:_.-]+$|^[a-z0-9._%+'-]+@[a-z0-9.-]+$/,
    'must be Entra object ids or UPNs separated by commas',
  ),
  ADDRESS_STRATEGY: z.preprocess(
    emptyToUndefined,
    z.enum(['pool', 'plus'], { message: 'must be pool or plus' }).default('pool'),
  ),
  PLUS_ADDRESS: optionalString,
  QUARANTINE_DAYS: intIn(0, 3650, 90),
  ENVIRONMENTS: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() ? v : DEFAULT_ENVIRONMENTS.join(',')),
    z
      .string()
      .transform((s) => [
        ...new Set(
          s
            .split(',')
            .map((x) => x.trim().toLowerCase())
            .filter(Boolean),
        ),
      ])
      .pipe(
        z
          .array(
            z.string().regex(/^[a-z][a-z0-9-]{1,19}$/, {
              message:
                'must list environment names: lower-case letters, digits and hyphens, 2–20 characters (e.g. prod,nonprod,sandbox,staging)',
            }),
          )
          .min(1, { message: 'must name at least one environment' }),
      ),
  ),
  API_AUDIENCE: commaList,
  API_ISSUER: commaList,
  API_JWKS_URL: optionalUrl,
  REMINDER_HOURS: intIn(1, 24 * 30, 24),
  EXPIRY_HOURS: intIn(1, 24 * 90, 72),
  SECRET_TTL_MINUTES: intIn(1, 24 * 60, 30),
  MAIL_POST_ATTEMPTS: intIn(1, 100, 5),
  /** Set by App Service for each instance it runs: names the instance in /healthz, `status` and pacing. */
  WEBSITE_INSTANCE_ID: optionalString,
  /** Claims on work (request and adoption steps, mail relays, jobs): held this long unless renewed. */
  WORK_LEASE_SECONDS: intIn(3, 600, 30),
  /** How often each instance looks for due work (steps, lapsed claims, timers) at most. */
  WORK_POLL_SECONDS: intIn(1, 30, 10),
  /** A mail relay's claim; WORK_LEASE_SECONDS unless set. */
  MAIL_RELAY_LEASE_SECONDS: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ message: 'must be a whole number' })
      .int({ message: 'must be a whole number' })
      .min(1, { message: 'must be at least 1' })
      .max(3600, { message: 'must be at most 3600' })
      .optional(),
  ),
  SMTP_PORT: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ message: 'must be a port number' })
      .int()
      .min(0, { message: 'must be a port number' })
      .max(65535, { message: 'must be a port number' })
      .optional(),
  ),
  SMTP_HOST: z.preprocess(emptyToUndefined, z.string().trim().default('127.0.0.1')),
  /** Who may deliver to the SMTP source: CIDRs; required when SMTP_HOST is not loopback. */
  SMTP_ALLOWED_CLIENTS: parsedList<AddressRange>('CIDRs', parseRange),
  /** The authserv-id(s) of the relay in front of the SMTP source whose Authentication-Results are believed. */
  SMTP_TRUSTED_AUTHSERV_ID: z.preprocess(
    (v) => (typeof v === 'string' ? v : ''),
    z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim().toLowerCase())
          .filter(Boolean),
      )
      .superRefine((ids, ctx) => {
        for (const id of ids)
          if (!/^[a-z0-9](?:[a-z0-9._-]{0,251}[a-z0-9])?$/.test(id))
            ctx.addIssue({
              code: 'custom',
              message: `must be the relay's authserv-id, a host name like mx.contoso.com (not ${id.slice(0, 60)})`,
            });
      }),
  ),
  HTTP_HEADERS_TIMEOUT_SECONDS: intIn(1, 300, 10),
  HTTP_REQUEST_TIMEOUT_SECONDS: intIn(1, 600, 30),
  HTTP_KEEP_ALIVE_SECONDS: intIn(1, 600, 5),
  HTTP_MAX_CONNECTIONS: intIn(1, 100_000, 512),
  DEMO_POOL: z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .default('true')
      .transform((v) => v === 'true'),
  ),
  INSTALL_APP_FOR_APPROVERS: z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .default('false')
      .transform((v) => v === 'true'),
  ),
  TEAMS_APP_CATALOG_ID: optionalString,
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        message: 'must be one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
  ),
  APPLICATIONINSIGHTS_CONNECTION_STRING: optionalString,
  // --- AWS Organizations (issue 13): off unless AWS_ROLE_ARN or AWS_CREDENTIAL_SOURCE=environment ---
  AWS_ROLE_ARN: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
        message: 'must be an IAM role ARN like arn:aws:iam::123456789012:role/rootmail',
      })
      .optional(),
  ),
  AWS_WEB_IDENTITY_AUDIENCE: optionalString,
  AWS_CREDENTIAL_SOURCE: z.preprocess(
    emptyToUndefined,
    z.enum(['web-identity', 'environment'], { message: 'must be web-identity or environment' }).optional(),
  ),
  AWS_REGION: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { message: 'must be an AWS Region like us-east-1' })
      .default('us-east-1'),
  ),
  AWS_ENDPOINT_URL_ORGANIZATIONS: optionalUrl,
  AWS_ENDPOINT_URL_ACCOUNT: optionalUrl,
  AWS_ENDPOINT_URL_STS: optionalUrl,
  AWS_ENDPOINT_URL_IAM: optionalUrl,
  RECONCILE_UNUSED_DAYS: intIn(1, 365, 14),
  ADOPTION_CODE_MINUTES: intIn(5, 24 * 60, 60),
  /** A break-glass root session's length from Start; the password is removed at its end. */
  ROOT_ACCESS_MINUTES: intIn(1, 8 * 60, 60),
  /** How long after approval the requester may start the session. */
  ROOT_ACCESS_START_HOURS: intIn(1, 72, 4),
  // --- end AWS ---
});

const envSchema = envShape.superRefine((env, ctx) => {
  const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (env.MicrosoftAppId && env.MicrosoftAppType !== 'UserAssignedMSI' && !env.MicrosoftAppPassword) {
    problem(
      'MicrosoftAppPassword',
      'is required when MicrosoftAppId is set (unless MicrosoftAppType is UserAssignedMSI)',
    );
  }
  if (env.MicrosoftAppType === 'SingleTenant' || env.MicrosoftAppType === 'UserAssignedMSI') {
    if (!env.MicrosoftAppTenantId)
      problem('MicrosoftAppTenantId', `is required when MicrosoftAppType is ${env.MicrosoftAppType}`);
  }
  if (env.ADDRESS_STRATEGY === 'plus') {
    if (!env.PLUS_ADDRESS)
      problem('PLUS_ADDRESS', 'is required when ADDRESS_STRATEGY is plus (e.g. aws@contoso.com)');
    else if (!/^[^@\s+]+@[^@\s]+\.[^@\s]+$/.test(env.PLUS_ADDRESS)) {
      problem('PLUS_ADDRESS', 'must be a plain address like aws@contoso.com, without a "+" part');
    }
  }
  if (env.MAILBOX && !env.GRAPH_CLIENT_STATE) {
    problem(
      'GRAPH_CLIENT_STATE',
      'is required when MAILBOX is set (a secret Graph echoes back on every notification)',
    );
  }
  if (env.GRAPH_CLIENT_STATE && env.GRAPH_CLIENT_STATE.length > 128) {
    problem('GRAPH_CLIENT_STATE', 'must be at most 128 characters (a Graph limit)');
  }
  if (env.MAILBOX && env.PUBLIC_BASE_URL && !/^https:\/\//.test(env.PUBLIC_BASE_URL)) {
    const loopback = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(env.PUBLIC_BASE_URL);
    if (!loopback) problem('PUBLIC_BASE_URL', 'must be an https URL that Microsoft Graph can reach');
  }
  const apiSet = [env.API_AUDIENCE?.length, env.API_ISSUER?.length, env.API_JWKS_URL].filter(Boolean).length;
  if (apiSet > 0 && apiSet < 3) {
    for (const name of ['API_AUDIENCE', 'API_ISSUER', 'API_JWKS_URL'] as const) {
      if (!env[name]) problem(name, 'is required when any of API_AUDIENCE, API_ISSUER, API_JWKS_URL is set');
    }
  }
  if ((env.MicrosoftAppId || env.COSMOS_ENDPOINT) && !graphConfigured(env)) {
    problem(
      'AZURE_TENANT_ID',
      `is required when ${env.MicrosoftAppId ? 'MicrosoftAppId' : 'COSMOS_ENDPOINT'} is set: a deployment reads users and managers from Microsoft Graph (set AZURE_TENANT_ID and AZURE_CLIENT_ID for the app's identity, or GRAPH_BASE_URL); the local directory (DATA_DIR/local-directory.json) serves local runs only`,
    );
  }
  if (env.INSTALL_APP_FOR_APPROVERS && !env.TEAMS_APP_CATALOG_ID) {
    problem(
      'TEAMS_APP_CATALOG_ID',
      "is required when INSTALL_APP_FOR_APPROVERS is true: the app's id in your org's Teams app catalog (Graph appCatalogs/teamsApps, not the manifest id)",
    );
  }
  if (env.INSTALL_APP_FOR_APPROVERS && !graphConfigured(env)) {
    problem(
      'INSTALL_APP_FOR_APPROVERS',
      'needs Microsoft Graph (AZURE_TENANT_ID / AZURE_CLIENT_ID or GRAPH_BASE_URL); a local run has nothing to install into',
    );
  }
  if (
    env.SMTP_PORT !== undefined &&
    !isLoopbackBinding(env.SMTP_HOST) &&
    env.SMTP_ALLOWED_CLIENTS.length === 0
  ) {
    problem(
      'SMTP_ALLOWED_CLIENTS',
      `is required when SMTP_HOST (${env.SMTP_HOST}) is not loopback: the address ranges of the relays that may deliver mail, as CIDRs (e.g. 10.0.0.5/32,2001:db8::/48); anyone else is refused at connect`,
    );
  }
  if (env.HTTP_HEADERS_TIMEOUT_SECONDS > env.HTTP_REQUEST_TIMEOUT_SECONDS) {
    problem(
      'HTTP_HEADERS_TIMEOUT_SECONDS',
      `must not be more than HTTP_REQUEST_TIMEOUT_SECONDS (${env.HTTP_REQUEST_TIMEOUT_SECONDS}): the headers are part of the request`,
    );
  }
  if (env.REMINDER_HOURS >= env.EXPIRY_HOURS) {
    problem('REMINDER_HOURS', `must be less than EXPIRY_HOURS (${env.EXPIRY_HOURS})`);
  }
  awsProblems(env, problem);
});

/**
 * Settings that make a run a deployment: real data (Cosmos DB, the central mailbox on the real Graph), a
 * public URL, the API, telemetry, AWS, or an Azure hosting platform. Without MicrosoftAppId the bot accepts
 * any activity unauthenticated, so such a run refuses to start (see docs/security.md).
 */
function deploymentSettings(env: z.infer<typeof envShape>, raw: NodeJS.ProcessEnv): string[] {
  const notLoopback = (url: string | undefined) => {
    if (!url) return false;
    try {
      return !isLoopbackHost(new URL(url).hostname);
    } catch {
      return true;
    }
  };
  const realGraph = notLoopback(env.GRAPH_BASE_URL ?? DEFAULT_GRAPH_BASE_URL);
  const found: [string, boolean][] = [
    ['COSMOS_ENDPOINT', notLoopback(env.COSMOS_ENDPOINT)],
    ['MAILBOX', !!env.MAILBOX && realGraph],
    [
      'PUBLIC_BASE_URL',
      !!env.PUBLIC_BASE_URL && /^https:/i.test(env.PUBLIC_BASE_URL) && notLoopback(env.PUBLIC_BASE_URL),
    ],
    ['API_AUDIENCE', !!env.API_AUDIENCE],
    ['API_ISSUER', !!env.API_ISSUER],
    ['API_JWKS_URL', !!env.API_JWKS_URL],
    ['APPLICATIONINSIGHTS_CONNECTION_STRING', !!env.APPLICATIONINSIGHTS_CONNECTION_STRING],
    ['AWS_ROLE_ARN', !!env.AWS_ROLE_ARN],
    ['AWS_WEB_IDENTITY_AUDIENCE', !!env.AWS_WEB_IDENTITY_AUDIENCE],
    ['TRUSTED_SERVICE_URLS', env.TRUSTED_SERVICE_URLS.some((o) => o.scheme === 'https:')],
    ...HOSTING_PLATFORM_SIGNALS.map((name): [string, boolean] => [name, !!raw[name]?.trim()]),
  ];
  return found.filter(([, present]) => present).map(([name]) => name);
}

/** Set by Azure App Service and Azure Container Apps themselves: the process runs hosted, not on a laptop. */
const HOSTING_PLATFORM_SIGNALS = ['WEBSITE_SITE_NAME', 'CONTAINER_APP_NAME'];

/** The names deploymentSettings() looks at, for the docs and tests. */
export const DEPLOYMENT_SETTINGS: readonly string[] = [
  'COSMOS_ENDPOINT (not loopback)',
  'MAILBOX (with the real Microsoft Graph)',
  'PUBLIC_BASE_URL (https, not loopback)',
  'API_AUDIENCE',
  'API_ISSUER',
  'API_JWKS_URL',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_AUDIENCE',
  'TRUSTED_SERVICE_URLS (an https entry)',
  ...HOSTING_PLATFORM_SIGNALS.map((n) => `${n} (set by the hosting platform)`),
];

/**
 * Microsoft Graph is configured when the operator said anything about it: GRAPH_BASE_URL (even set to the
 * default, which is how a developer signed in with `az login` asks for the real Graph locally), an Entra
 * identity (AZURE_TENANT_ID, AZURE_CLIENT_ID) or a central MAILBOX. Without any of them there is no Graph
 * to ask, and a local run serves users and managers from DATA_DIR/local-directory.json instead.
 */
function graphConfigured(env: NodeJS.ProcessEnv | z.infer<typeof envShape>): boolean {
  return [env.GRAPH_BASE_URL, env.AZURE_TENANT_ID, env.AZURE_CLIENT_ID, env.MAILBOX].some(
    (v) => typeof v === 'string' && v.trim() !== '',
  );
}

// --- AWS Organizations (issue 13) ---
function awsProblems(env: z.infer<typeof envShape>, problem: (path: string, message: string) => void): void {
  if (env.AWS_CREDENTIAL_SOURCE === 'environment') return; // the AWS SDK's own chain reads its own settings
  if (env.AWS_ROLE_ARN && !env.AWS_WEB_IDENTITY_AUDIENCE) {
    problem(
      'AWS_WEB_IDENTITY_AUDIENCE',
      "is required when AWS_ROLE_ARN is set: the Entra app's application ID URI the IAM OIDC provider trusts (e.g. api://rootmail-aws)",
    );
  }
  if (!env.AWS_ROLE_ARN && (env.AWS_WEB_IDENTITY_AUDIENCE || env.AWS_CREDENTIAL_SOURCE === 'web-identity')) {
    problem(
      'AWS_ROLE_ARN',
      'is required for web identity: the IAM role the app assumes (see docs/aws-access.md), or set AWS_CREDENTIAL_SOURCE=environment for local runs',
    );
  }
}

/** AWS on (web identity when AWS_ROLE_ARN is set, else the SDK's environment chain) or undefined when off. */
function awsSettings(e: z.infer<typeof envShape>): AppConfig['aws'] {
  const source = e.AWS_CREDENTIAL_SOURCE ?? (e.AWS_ROLE_ARN ? 'web-identity' : undefined);
  if (!source) return undefined;
  return {
    credentials:
      source === 'environment'
        ? { kind: 'environment' }
        : {
            kind: 'web-identity',
            roleArn: e.AWS_ROLE_ARN!,
            audience: e.AWS_WEB_IDENTITY_AUDIENCE!.replace(/\/\.default$/, '').replace(/\/+$/, ''),
            tenantId: e.AZURE_TENANT_ID,
            managedIdentityClientId: e.AZURE_CLIENT_ID,
          },
    region: e.AWS_REGION,
    endpoints: {
      organizations: e.AWS_ENDPOINT_URL_ORGANIZATIONS,
      account: e.AWS_ENDPOINT_URL_ACCOUNT,
      sts: e.AWS_ENDPOINT_URL_STS,
      iam: e.AWS_ENDPOINT_URL_IAM,
    },
    reconcileUnusedDays: e.RECONCILE_UNUSED_DAYS,
    adoptionCodeMinutes: e.ADOPTION_CODE_MINUTES,
    rootAccess: { minutes: e.ROOT_ACCESS_MINUTES, startHours: e.ROOT_ACCESS_START_HOURS },
  };
}
// --- end AWS ---

export type AddressStrategy = 'pool' | 'plus';

export interface AppConfig {
  port: number;
  bot: {
    appId: string;
    appPassword: string;
    appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
    appTenantId: string;
    /** Set for a single-tenant bot: activities and API tokens of other tenants are refused. */
    servedTenantId?: string;
    /** TRUSTED_SERVICE_URLS, besides the Bot Framework hosts (with an app id) or loopback (without). */
    trustedServiceUrls: TrustedOrigin[];
    /** Extra botbuilder settings (e.g. OpenID metadata URL) passed through unchanged; used by tests. */
    extra: Record<string, string>;
  };
  storage:
    | { kind: 'cosmos'; endpoint: string; key?: string; database: string; backgroundRuPerSecond: number }
    | { kind: 'embedded'; dataDir: string };
  graph: { baseUrl: string; tenantId?: string; clientId?: string; isLoopbackFake: boolean };
  /**
   * Where users and managers come from: Microsoft Graph, or in a local run (embedded store, no
   * MicrosoftAppId, no Graph settings) the file DATA_DIR/local-directory.json, whose admins count as ADMIN_IDS.
   */
  directory: { kind: 'graph' } | { kind: 'local'; dataDir: string };
  /** Seed a small demo pool on example.net into an empty embedded store (local runs only, DEMO_POOL). */
  demoPool: boolean;
  /** Install the Teams app for an approver through Graph when no 1:1 chat can be opened (opt-in). */
  appInstall?: { teamsAppCatalogId: string };
  mail: {
    mailbox?: string;
    publicBaseUrl?: string;
    clientState?: string;
    /** AWS_EXTRA_SENDER_DOMAINS: held to the same authentication checks as AWS's own domains. */
    extraSenderDomains: string[];
  };
  roles: { adminIds: string[]; approverIds: string[] };
  /** ENVIRONMENTS: the only values a request's environment can take; a typed value is never mapped to another. */
  environments: string[];
  addresses: { strategy: AddressStrategy; plusAddress?: string; quarantineDays: number };
  /**
   * Entra ID tokens for /api/v1: app tokens (automation, app roles) and the tab's delegated user tokens.
   * `audiences` and `issuers` each accept any of their values: the app's client id (v2 tokens) and its
   * Application ID URI (v1 tokens, e.g. Teams SSO); the v2 and v1 issuers of the tenant.
   */
  api?: { audiences: string[]; issuers: string[]; jwksUrl: string; tenantId?: string };
  /** What the tab needs to ask for a user token (from API_AUDIENCE / API_ISSUER); undefined = no tab SSO. */
  tabSignIn?: { clientId: string; appIdUri: string; tenantId: string };
  timers: { reminderHours: number; expiryHours: number; secretTtlMinutes: number };
  /**
   * WORK_LEASE_SECONDS: how long a claim on work (a step, a job) holds unless its instance renews it (it
   * does, every third of it, while it works); WORK_POLL_SECONDS: how often each instance looks for due work.
   */
  work: { leaseMs: number; pollMs: number };
  /**
   * MAIL_RELAY_LEASE_SECONDS: how long a relay's claim on a mail holds unless renewed (the relay renews it
   * while it works) before the sweeper on any instance retakes it; MAIL_POST_ATTEMPTS: failed Teams posts of
   * one mail before on-call is alerted (retries go on, with backoff).
   */
  mailRelay: { leaseMs: number; alertAfterAttempts: number };
  /**
   * The optional SMTP source: where it listens, who may connect (loopback only unless SMTP_ALLOWED_CLIENTS),
   * and the authserv-ids of the relay whose Authentication-Results are believed (none: no SMTP mail is trusted).
   */
  smtp?: {
    port: number;
    host: string;
    allowedClients: readonly AddressRange[];
    trustedAuthservIds: readonly string[];
  };
  /**
   * How long a client may take to send the headers and the whole request, how long an idle keep-alive
   * connection stays open, and how many connections are served at once (beyond: refused at connect).
   */
  http: {
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxConnections: number;
  };
  /** WEBSITE_INSTANCE_ID (App Service's name of this instance); else the host's name is used. */
  instanceName?: string;
  logLevel: string;
  appInsightsConnectionString?: string;
  /** AWS Organizations (issue 13); undefined = the feature is off. */
  aws?: {
    credentials:
      | {
          kind: 'web-identity';
          roleArn: string;
          /** The Entra app's application ID URI; tokens are asked for `<audience>/.default`. */
          audience: string;
          tenantId?: string;
          managedIdentityClientId?: string;
        }
      | { kind: 'environment' };
    region: string;
    /** Loopback fakes in tests (AWS_ENDPOINT_URL_<SERVICE>); undefined = the real AWS endpoints. */
    endpoints: { organizations?: string; account?: string; sts?: string; iam?: string };
    reconcileUnusedDays: number;
    /** How long an adoption waits for AWS's one-time code mail (AWS keeps the code valid for 24 hours). */
    adoptionCodeMinutes: number;
    /** ROOT_ACCESS_MINUTES (a session's length from Start) and ROOT_ACCESS_START_HOURS (Start's window). */
    rootAccess: { minutes: number; startHours: number };
  };
}

/** Thrown with every problem found, so the operator can fix them all at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `The configuration has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

const BOT_EXTRA_SETTINGS = [
  'ToBotFromChannelOpenIdMetadataUrl',
  'ToBotFromChannelTokenIssuer',
  'ToChannelFromBotLoginUrl',
  'ToChannelFromBotOAuthScope',
  'OAuthUrl',
  'ValidateAuthority',
];

export interface LoadConfigOptions {
  /**
   * Whether a deployment setting without MicrosoftAppId refuses to start (default true: the server). False
   * only in code that never serves the bot to a network: the pool:import CLI, which does not listen, and the
   * in-process test app, whose fakes all sit on loopback. No environment variable can turn it off.
   */
  guardAnonymousBot?: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(settings)'} ${describeIssue(i.message)}`),
    );
  }
  const e = parsed.data;
  const deployment = deploymentSettings(e, env);
  if (!e.MicrosoftAppId && deployment.length > 0 && options.guardAnonymousBot !== false) {
    throw new ConfigError([
      `MicrosoftAppId is required: ${deployment.join(', ')} ${deployment.length === 1 ? 'makes' : 'make'} this a ` +
        'deployment, and without an app id the bot accepts unauthenticated activities (anonymous mode is for ' +
        'local runs on loopback only). Set MicrosoftAppId (with MicrosoftAppPassword, or MicrosoftAppType=' +
        `UserAssignedMSI and MicrosoftAppTenantId), or unset ${deployment.length === 1 ? 'it' : 'them'} for a local run.`,
    ]);
  }
  const singleTenant = e.MicrosoftAppType === 'SingleTenant' || e.MicrosoftAppType === 'UserAssignedMSI';
  const graphBaseUrl = e.GRAPH_BASE_URL ?? DEFAULT_GRAPH_BASE_URL;
  const graphIsLoopback = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(graphBaseUrl);
  // A local run: the embedded store, no Bot Framework identity and no Microsoft Graph (see graphConfigured).
  const localRun = !e.COSMOS_ENDPOINT && !e.MicrosoftAppId && !graphConfigured(e);
  const extra: Record<string, string> = {};
  for (const name of BOT_EXTRA_SETTINGS) {
    const value = env[name];
    if (value) extra[name] = value;
  }
  return {
    port: e.PORT,
    bot: {
      appId: e.MicrosoftAppId ?? '',
      appPassword: e.MicrosoftAppPassword ?? '',
      appType: e.MicrosoftAppType ?? 'MultiTenant',
      appTenantId: e.MicrosoftAppTenantId ?? '',
      servedTenantId:
        singleTenant && e.MicrosoftAppTenantId ? e.MicrosoftAppTenantId.toLowerCase() : undefined,
      trustedServiceUrls: e.TRUSTED_SERVICE_URLS,
      extra,
    },
    storage: e.COSMOS_ENDPOINT
      ? {
          kind: 'cosmos',
          endpoint: e.COSMOS_ENDPOINT,
          key: e.COSMOS_KEY,
          database: e.COSMOS_DATABASE,
          backgroundRuPerSecond: e.COSMOS_BACKGROUND_RU_PER_SECOND,
        }
      : { kind: 'embedded', dataDir: e.DATA_DIR },
    graph: {
      baseUrl: graphBaseUrl.replace(/\/+$/, ''),
      tenantId: e.AZURE_TENANT_ID,
      clientId: e.AZURE_CLIENT_ID,
      isLoopbackFake: graphIsLoopback,
    },
    directory: localRun ? { kind: 'local', dataDir: e.DATA_DIR } : { kind: 'graph' },
    demoPool: localRun && e.DEMO_POOL,
    appInstall: e.INSTALL_APP_FOR_APPROVERS ? { teamsAppCatalogId: e.TEAMS_APP_CATALOG_ID! } : undefined,
    mail: {
      mailbox: e.MAILBOX,
      publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
      clientState: e.GRAPH_CLIENT_STATE,
      extraSenderDomains: e.AWS_EXTRA_SENDER_DOMAINS,
    },
    roles: { adminIds: e.ADMIN_IDS, approverIds: e.APPROVER_IDS },
    environments: e.ENVIRONMENTS,
    addresses: {
      strategy: e.ADDRESS_STRATEGY,
      plusAddress: e.PLUS_ADDRESS?.toLowerCase(),
      quarantineDays: e.QUARANTINE_DAYS,
    },
    api:
      e.API_AUDIENCE && e.API_ISSUER && e.API_JWKS_URL
        ? {
            audiences: e.API_AUDIENCE,
            issuers: e.API_ISSUER,
            jwksUrl: e.API_JWKS_URL,
            // The tenant the issuers name; else, for a single-tenant bot, its own tenant.
            tenantId:
              tenantOfIssuers(e.API_ISSUER) ??
              (singleTenant ? e.MicrosoftAppTenantId?.toLowerCase() : undefined),
          }
        : undefined,
    tabSignIn: tabSignInSettings(e.API_AUDIENCE, e.API_ISSUER),
    timers: {
      reminderHours: e.REMINDER_HOURS,
      expiryHours: e.EXPIRY_HOURS,
      secretTtlMinutes: e.SECRET_TTL_MINUTES,
    },
    work: { leaseMs: e.WORK_LEASE_SECONDS * 1000, pollMs: e.WORK_POLL_SECONDS * 1000 },
    mailRelay: {
      leaseMs: (e.MAIL_RELAY_LEASE_SECONDS ?? e.WORK_LEASE_SECONDS) * 1000,
      alertAfterAttempts: e.MAIL_POST_ATTEMPTS,
    },
    smtp:
      e.SMTP_PORT !== undefined
        ? {
            port: e.SMTP_PORT,
            host: e.SMTP_HOST,
            allowedClients: e.SMTP_ALLOWED_CLIENTS.length ? e.SMTP_ALLOWED_CLIENTS : LOOPBACK_RANGES,
            trustedAuthservIds: e.SMTP_TRUSTED_AUTHSERV_ID,
          }
        : undefined,
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_SECONDS * 1000,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
    },
    instanceName: e.WEBSITE_INSTANCE_ID,
    logLevel: e.LOG_LEVEL,
    appInsightsConnectionString: e.APPLICATIONINSIGHTS_CONNECTION_STRING,
    aws: awsSettings(e),
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The tenant an Entra issuer names (`…/<tenant>/v2.0` or `https://sts.windows.net/<tenant>/`), when all agree. */
function tenantOfIssuers(issuers: string[]): string | undefined {
  const tenants = new Set(
    issuers.map((iss) => {
      const match = /^https:\/\/[^/]+\/([^/]+)\/(?:v2\.0\/?)?$/.exec(iss);
      return match?.[1].toLowerCase();
    }),
  );
  const [only] = [...tenants];
  return tenants.size === 1 && only && only !== 'common' && only !== 'organizations' ? only : undefined;
}

/**
 * The tab asks for `<Application ID URI>/access_as_user` with the app's client id: both are among the
 * accepted audiences (a GUID and an `api://…` URI), the tenant comes from the issuers.
 */
function tabSignInSettings(audiences?: string[], issuers?: string[]): AppConfig['tabSignIn'] {
  const clientId = audiences?.find((a) => GUID.test(a));
  const appIdUri = audiences?.find((a) => a.startsWith('api://'));
  const tenantId = issuers && tenantOfIssuers(issuers);
  return clientId && appIdUri && tenantId
    ? { clientId: clientId.toLowerCase(), appIdUri: appIdUri.replace(/\/+$/, ''), tenantId }
    : undefined;
}

/**
 * A run on a developer's machine: the embedded store, no Bot Framework app id and no Microsoft Graph, so
 * the local directory serves users and managers (see `directory`). The tab's local sign-in asks this too,
 * so a deployment (an app id, Cosmos DB or Graph) never offers it.
 */
export function isLocalRun(config: AppConfig): boolean {
  return config.directory.kind === 'local';
}

function describeIssue(message: string): string {
  // zod's own wording for a wrong type reads poorly to an operator; keep ours, soften zod's.
  return /^Invalid input/.test(message) ? 'has an invalid value' : message;
}

/** The names of every production setting the app reads; infra tests compare against this. */
export const SETTING_NAMES: readonly string[] = Object.keys(envShape.shape);
