import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTING_NAMES } from '../src/config';
import { CONTAINERS, TTL_CONTAINERS } from '../src/ports/documentStore';

/**
 * The infrastructure (infra/*.bicep) and the app must agree: every setting the app reads is set in Azure
 * (or is deliberately left out, for a stated reason), nothing unknown is set, and every container the app
 * uses exists, because the app's identity may read and write data but not create containers.
 */

const ROOT = path.join(__dirname, '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const mainBicep = read('infra/main.bicep');

/** Settings the app reads that Azure deliberately does not set, and why. */
const NOT_SET_IN_AZURE: Record<string, string> = {
  PORT: 'App Service sets PORT for the Node container itself',
  DATA_DIR: 'only for the embedded store; Azure uses Cosmos DB (COSMOS_ENDPOINT)',
  COSMOS_KEY: 'account keys are disabled (disableLocalAuth); the managed identity has the data-plane role',
  MicrosoftAppPassword: 'the bot signs in as the user-assigned managed identity (UserAssignedMSI): no secret',
  GRAPH_BASE_URL: 'the default is the real Microsoft Graph; only local runs and tests point it at a fake',
  SMTP_PORT: 'the optional SMTP source is for self-hosted relays; App Service accepts HTTP(S) only',
  SMTP_HOST: 'goes with SMTP_PORT',
  SMTP_ALLOWED_CLIENTS: 'goes with SMTP_PORT',
  SMTP_TRUSTED_AUTHSERV_ID: 'goes with SMTP_PORT',
  HTTP_HEADERS_TIMEOUT_SECONDS: 'the default (10) fits; an operator may tune it in the portal',
  HTTP_REQUEST_TIMEOUT_SECONDS: 'the default (30) fits; an operator may tune it in the portal',
  HTTP_KEEP_ALIVE_SECONDS: 'the default (5) fits; an operator may tune it in the portal',
  HTTP_MAX_CONNECTIONS: 'the default (512) fits the plan; an operator may tune it in the portal',
  MAIL_POST_ATTEMPTS: 'the default (5) fits; an operator may tune it in the portal',
  MAIL_RELAY_LEASE_SECONDS: 'follows WORK_LEASE_SECONDS by default; the crash suite shortens it',
  WORK_LEASE_SECONDS:
    "the default (30) fits: a dead instance's work is taken over within about half a minute",
  WORK_POLL_SECONDS: 'the default (10) fits; tests shorten it',
  DEMO_POOL: 'the demo pool is seeded in local runs only; a deployment never has one',
  ENVIRONMENTS: 'the default (prod, nonprod, sandbox) fits; an operator adds e.g. staging in the portal',
  INSTALL_APP_FOR_APPROVERS:
    'opt-in, once an admin granted TeamsAppInstallation.ReadWriteForUser.All (infra/exchange/PERMISSIONS.md)',
  TEAMS_APP_CATALOG_ID: 'goes with INSTALL_APP_FOR_APPROVERS; known only after the app is in the org catalog',
  AWS_CREDENTIAL_SOURCE:
    'Azure signs in to AWS with web identity only (the default when AWS_ROLE_ARN is set)',
  AWS_ENDPOINT_URL_ORGANIZATIONS: 'only tests point AWS clients at a loopback fake',
  AWS_ENDPOINT_URL_ACCOUNT: 'only tests point AWS clients at a loopback fake',
  AWS_ENDPOINT_URL_STS: 'only tests point AWS clients at a loopback fake',
  AWS_ENDPOINT_URL_IAM: 'only tests point AWS clients at a loopback fake',
  WEBSITE_INSTANCE_ID: 'App Service sets it for each instance it runs',
  COSMOS_BACKGROUND_RU_PER_SECOND:
    'the default (500) suits the serverless account; an operator lowers it for a small provisioned one',
  TRUSTED_SERVICE_URLS:
    'the public-cloud Teams and Bot Framework hosts are built in; only sovereign clouds and tests add hosts',
};

/** App Service platform settings: read by the platform, not by the app. */
const PLATFORM_SETTINGS: Record<string, string> = {
  SCM_DO_BUILD_DURING_DEPLOYMENT:
    'App Service runs npm install + build on deploy (the zip holds no node_modules)',
  WEBSITE_NODE_DEFAULT_VERSION: 'Node version for the Kudu/Oryx build environment',
};

/** The body lines of a `var name = { ... }` or `var name = [ ... ]` block in main.bicep. */
function bicepBlock(name: string): string[] {
  const lines = mainBicep.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^var ${name} = [[{]\\s*$`).test(l));
  if (start < 0) throw new Error(`infra/main.bicep has no "var ${name}" block`);
  const end = lines.findIndex((l, i) => i > start && /^[\]}]\s*$/.test(l));
  return lines.slice(start + 1, end).filter((l) => l.trim() && !l.trim().startsWith('//'));
}

function appSettingsInBicep(): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of bicepBlock('appSettings')) {
    const match = /^\s+([A-Za-z_][A-Za-z0-9_]*): (.+)$/.exec(line);
    if (!match) throw new Error(`cannot read app setting line: ${line}`);
    expect(settings.has(match[1])).toBe(false);
    settings.set(match[1], match[2].trim());
  }
  return settings;
}

describe('infrastructure settings match what the app reads', () => {
  const inBicep = appSettingsInBicep();

  it('sets every setting the app reads, except the ones left out for a stated reason', () => {
    const expected = SETTING_NAMES.filter((name) => !(name in NOT_SET_IN_AZURE));
    const missing = expected.filter((name) => !inBicep.has(name));
    expect(missing).toEqual([]);
  });

  it('sets nothing the app does not read, apart from the listed platform settings', () => {
    const unknown = [...inBicep.keys()].filter(
      (name) => !SETTING_NAMES.includes(name) && !(name in PLATFORM_SETTINGS),
    );
    expect(unknown).toEqual([]);
    for (const name of Object.keys(PLATFORM_SETTINGS)) expect(inBicep.has(name)).toBe(true);
  });

  it('leaves out exactly the listed settings, and each of them is a real setting', () => {
    for (const name of Object.keys(NOT_SET_IN_AZURE)) {
      expect(SETTING_NAMES).toContain(name);
      expect(inBicep.has(name)).toBe(false);
    }
  });

  it('runs the bot and every Azure SDK as the user-assigned identity, with secrets from Key Vault', () => {
    expect(inBicep.get('MicrosoftAppType')).toBe("'UserAssignedMSI'");
    expect(inBicep.get('MicrosoftAppId')).toBe('identity.properties.clientId');
    expect(inBicep.get('AZURE_CLIENT_ID')).toBe('identity.properties.clientId');
    expect(inBicep.get('GRAPH_CLIENT_STATE')).toMatch(/^'@Microsoft\.KeyVault\(SecretUri=\$\{.+\}\)'$/);
    expect(mainBicep).not.toMatch(/listKeys|listConnectionStrings|primaryMasterKey/);
  });
});

describe('Cosmos DB containers match the storage port', () => {
  const declared = bicepBlock('cosmosContainers').map((line) => {
    const match = /^\s+\{ name: '([A-Za-z0-9]+)', ttl: (true|false) \}$/.exec(line);
    if (!match) throw new Error(`cannot read container line: ${line}`);
    return { name: match[1], ttl: match[2] === 'true' };
  });
  const cosmosBicep = read('infra/modules/cosmos.bicep');

  it('creates every container in CONTAINERS and no other', () => {
    expect(declared.map((c) => c.name).sort()).toEqual([...CONTAINERS].sort());
  });

  it('turns TTL on for exactly the TTL_CONTAINERS, so per-document ttl is enforced', () => {
    expect(declared.filter((c) => c.ttl).map((c) => c.name)).toEqual([...TTL_CONTAINERS]);
    expect(cosmosBicep).toMatch(/c\.ttl \? \{[^}]*defaultTtl: -1/);
  });

  it('partitions every container by /id and passes every container to the account', () => {
    expect(cosmosBicep).toMatch(/var partitionKey = \{\s+paths: \[\s+'\/id'\s+\]/);
    const containerResource = cosmosBicep.slice(cosmosBicep.indexOf("resource container '"));
    expect(containerResource.match(/partitionKey: partitionKey/g)).toHaveLength(2);
    expect(mainBicep).toMatch(/containers: cosmosContainers/);
  });

  it('is serverless with keys disabled and grants the identity the built-in data-plane role', () => {
    expect(cosmosBicep).toMatch(/name: 'EnableServerless'/);
    expect(cosmosBicep).toMatch(/disableLocalAuth: true/);
    expect(cosmosBicep).toMatch(/sqlRoleAssignments@/);
    expect(cosmosBicep).toMatch(/'00000000-0000-0000-0000-000000000002'/);
    expect(mainBicep).toMatch(/dataContributorPrincipalId: identity\.properties\.principalId/);
  });
});

describe('the other resources', () => {
  it('registers the bot with the managed identity and the Teams channel at /api/messages', () => {
    const bot = read('infra/modules/bot.bicep');
    expect(bot).toMatch(/msaAppType: 'UserAssignedMSI'/);
    expect(bot).toMatch(/msaAppMSIResourceId: identityResourceId/);
    expect(bot).toMatch(/channelName: 'MsTeamsChannel'/);
    expect(bot).not.toMatch(/^\s+\w*(password|secret)\w*:/im); // no property carries a secret
    expect(mainBicep).toMatch(/endpoint: 'https:\/\/\$\{hostName\}\/api\/messages'/);
  });

  it('runs Node 24 LTS on Linux, always on, https only, resolving Key Vault references as the identity', () => {
    const web = read('infra/modules/appService.bicep');
    expect(web).toMatch(/linuxFxVersion: 'NODE\|24-lts'/);
    expect(web).toMatch(/alwaysOn: true/);
    expect(web).toMatch(/httpsOnly: true/);
    expect(web).toMatch(/keyVaultReferenceIdentity: identityId/);
    expect(web).toMatch(/healthCheckPath: '\/healthz'/);
    const main = JSON.parse(read('package.json')).main as string;
    expect(web).toContain(`appCommandLine: 'node ${main}'`);
  });

  it('runs 2 instances by default, across availability zones where the plan allows it, any of them serving any request', () => {
    expect(mainBicep).toMatch(/@minValue\(1\)\s+@maxValue\(30\)\s+param instanceCount int = 2$/m);
    expect(mainBicep).toMatch(
      /^param zoneRedundant bool = startsWith\(appServiceSku, 'P'\) && instanceCount >= 2$/m,
    );
    expect(mainBicep).toMatch(/instanceCount: instanceCount\s+zoneRedundant: zoneRedundant/);
    const web = read('infra/modules/appService.bicep');
    expect(web).toMatch(/sku: \{ name: sku, capacity: instanceCount \}/);
    expect(web).toMatch(/zoneRedundant: zoneRedundant/);
    expect(web).toMatch(/clientAffinityEnabled: false/);
    // Zone redundancy exists on Premium plans only: the default never asks a Basic or Standard plan for it.
    const allowed = /@allowed\(\[([^\]]+)\]\)\s+param appServiceSku/.exec(mainBicep)![1];
    for (const sku of allowed.match(/'[^']+'/g)!.map((q) => q.slice(1, -1)))
      expect({ sku, zones: sku.startsWith('P') }).toEqual({ sku, zones: /^P\dv[23]$/.test(sku) });
  });

  it('keeps secrets in an RBAC Key Vault readable by the identity through "Key Vault Secrets User"', () => {
    const kv = read('infra/modules/keyVault.bicep');
    expect(kv).toMatch(/enableRbacAuthorization: true/);
    expect(kv).toMatch(/'4633458b-17de-408a-b874-0445c86b69e6'/);
    expect(mainBicep).toMatch(/secretsUserPrincipalId: identity\.properties\.principalId/);
  });
});

describe('parameters and the Agents Toolkit project agree with main.bicep', () => {
  const declared = new Map(
    [...mainBicep.matchAll(/^param (\w+) \w+( = .+)?$/gm)].map((m) => [m[1], m[2] !== undefined]),
  );
  const parameters = JSON.parse(read('infra/main.parameters.json')).parameters as Record<string, unknown>;

  it('gives a value to every parameter without a default, and only declared ones', () => {
    const required = [...declared].filter(([, hasDefault]) => !hasDefault).map(([name]) => name);
    for (const name of required) expect(Object.keys(parameters)).toContain(name);
    for (const name of Object.keys(parameters)) expect([...declared.keys()]).toContain(name);
  });

  it('names every ${{placeholder}} of the parameters file in env/.env.dev.sample', () => {
    const sample = read('env/.env.dev.sample');
    const placeholders = [...JSON.stringify(parameters).matchAll(/\$\{\{(\w+)\}\}/g)].map((m) => m[1]);
    expect(placeholders.length).toBeGreaterThan(0);
    for (const name of placeholders) expect(sample).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });

  it('provisions with main.bicep and deploys to the web app it outputs', () => {
    const yml = read('m365agents.yml');
    expect(yml).toMatch(
      /uses: arm\/deploy[\s\S]*path: \.\/infra\/main\.bicep[\s\S]*parameters: \.\/infra\/main\.parameters\.json/,
    );
    expect(yml).toMatch(
      /uses: azureAppService\/zipDeploy[\s\S]*resourceId: \$\{\{BOT_AZURE_APP_SERVICE_RESOURCE_ID\}\}/,
    );
    expect(mainBicep).toMatch(/^output BOT_AZURE_APP_SERVICE_RESOURCE_ID string/m);
    expect(mainBicep).toMatch(/^output BOT_ID string/m);
    expect(mainBicep).toMatch(/^output BOT_DOMAIN string/m);
  });
});
