// RootMail for Teams: everything it runs on in Azure, in one resource group.
//
//   user-assigned managed identity ── is the bot (Azure Bot, UserAssignedMSI: no client secret)
//                                   ├─ reads/writes Cosmos DB (data-plane role; account keys disabled)
//                                   ├─ reads Key Vault secrets (Key Vault references in app settings)
//                                   └─ calls Microsoft Graph (app roles granted in Entra, see infra/exchange/)
//   App Service (Linux, Node 24) ── runs `node dist/src/main/index.js` on `instanceCount` instances (2 by default,
//                                   across availability zones on Premium v3), settings = `appSettings` below
//   Application Insights + Log Analytics ── traces/metrics (OpenTelemetry) and stdout JSON logs
//
// Deploy: `az deployment group create -g <rg> -f infra/main.bicep -p @infra/main.parameters.prod.json -p graphClientState=...`
// (a copy of main.parameters.json with its ${{...}} placeholders filled; see docs/deployment.md, step 3)
// or `provision` in the Microsoft 365 Agents Toolkit (m365agents.yml). See docs/deployment.md.

targetScope = 'resourceGroup'

@description('Lower-case letters and digits, 3–18 characters; names every resource (web app: <base>-app.azurewebsites.net).')
@minLength(3)
@maxLength(18)
param resourceBaseName string

@description('Region for everything except the Azure Bot (which is global).')
param location string = resourceGroup().location

@description('Name shown for the bot in the Azure portal.')
param botDisplayName string = 'RootMail'

@description('Azure Bot pricing tier; F0 is enough for the Teams channel.')
@allowed(['F0', 'S1'])
param botSku string = 'F0'

@description('App Service plan tier; Basic or above (Always On is not available on Free/Shared). Premium v3 spreads the instances over availability zones.')
@allowed(['B1', 'B2', 'B3', 'S1', 'P0v3', 'P1v3'])
param appServiceSku string = 'B1'

@description('Instances of the web app behind App Service\'s load balancer, all on the one Cosmos DB account: 2 or more in production (one answers while another fails or is replaced by a deployment), 1 only for a trial. Basic allows up to 3, Standard 10, Premium v3 30. See docs/deployment.md, "Several instances".')
@minValue(1)
@maxValue(30)
param instanceCount int = 2

@description('Spread the instances over the region\'s availability zones. Needs a Premium v3 plan, 2 or more instances and a region with zones; on by default where the plan allows it.')
param zoneRedundant bool = startsWith(appServiceSku, 'P') && instanceCount >= 2

@description('Host name Teams and Graph use to reach the app; empty = <base>-app.azurewebsites.net. Set it when a custom domain or a front door is in front.')
param publicHostName string = ''

@description('Central mailbox the AWS root mails arrive in (UPN or object id); empty = mail relay off.')
param mailbox string = ''

@description('Secret Graph echoes back on every change notification (at most 128 characters); stored in Key Vault only.')
@secure()
@maxLength(128)
param graphClientState string

@description('Entra object ids of admins, comma-separated.')
param adminIds string = ''

@description('Entra object ids of fallback approvers (used when a requester has no manager), comma-separated.')
param approverIds string = ''

@allowed(['pool', 'plus'])
param addressStrategy string = 'pool'

@description('With addressStrategy = plus: the plain address to derive aws+name@domain from.')
param plusAddress string = ''

@description('Sender domains AWS writes root mail from beyond the built-in ones (.aws, amazon.com, amazonaws.com, aws.com), comma-separated, e.g. amazon.co.jp; empty = none. They pass the same DMARC/DKIM checks.')
param awsExtraSenderDomains string = ''

@minValue(0)
param quarantineDays int = 90

@minValue(1)
param reminderHours int = 24

@minValue(1)
param expiryHours int = 72

@minValue(1)
param secretTtlMinutes int = 30

@description('Application (client) id of the "RootMail API" app registration (infra/entra/register-rootmail-api.sh): automation (app roles) and the Teams tab (scope access_as_user) sign in with it; empty = /api/v1 and the tab\'s sign-in are off.')
param apiAudience string = ''

@allowed(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
param logLevel string = 'info'

@description('AWS Organizations (docs/aws-access.md): ARN of the IAM role infra/aws/rootmail-role.yaml created; empty = the AWS feature is off.')
param awsRoleArn string = ''

@description('Application ID URI of the Entra app the IAM OIDC provider trusts as audience (e.g. api://rootmail-aws); the identity gets tokens for it.')
param awsWebIdentityAudience string = ''

@description('AWS Region for STS; Organizations and Account Management calls go to their global endpoint either way.')
param awsRegion string = 'us-east-1'

@description('Days an assigned address may stay without an AWS account before reconciliation reports it.')
@minValue(1)
param reconcileUnusedDays int = 14

@description('Minutes an adoption waits for the one-time code AWS mails to the new alias before it ends and the alias returns to quarantine.')
@minValue(5)
@maxValue(1440)
param adoptionCodeMinutes int = 60

@description('Minutes a break-glass root session lasts from its Start; then the root password is removed again.')
@minValue(1)
@maxValue(480)
param rootAccessMinutes int = 60

@description('Hours after approval during which the requester may start a break-glass root session.')
@minValue(1)
@maxValue(72)
param rootAccessStartHours int = 4

@description('Purge protection cannot be turned off again; keep it on in production.')
param keyVaultPurgeProtection bool = true

param tags object = { app: 'rootmail' }

var webAppName = '${resourceBaseName}-app'
var hostName = empty(publicHostName) ? '${webAppName}.azurewebsites.net' : publicHostName
var cosmosDatabaseName = 'rootmail'
var loginEndpoint = environment().authentication.loginEndpoint // https://login.microsoftonline.com/
// Tokens for the API: v2 (aud = client id) and v1 (aud = Application ID URI api://<host>/<client id>, which
// Teams SSO uses when the registration issues v1 tokens); the tab derives its sign-in settings from these.
var apiAudiences = empty(apiAudience) ? '' : '${apiAudience},api://${hostName}/${apiAudience}'
var apiIssuer = empty(apiAudience) ? '' : '${loginEndpoint}${tenant().tenantId}/v2.0,https://sts.windows.net/${tenant().tenantId}/'
var apiJwksUrl = empty(apiAudience) ? '' : '${loginEndpoint}${tenant().tenantId}/discovery/v2.0/keys'

// Every container in CONTAINERS (src/ports/documentStore.ts), partition key /id; ttl = listed in TTL_CONTAINERS
// (Cosmos DB then deletes documents whose own `ttl` has passed). The app's identity may not create containers
// (data-plane role only), so a container missing here stops the app at start: test/infra.spec.ts keeps both in step.
var cosmosContainers = [
  { name: 'botState', ttl: false }
  { name: 'conversations', ttl: false }
  { name: 'settings', ttl: false }
  { name: 'audit', ttl: false }
  { name: 'alerts', ttl: false }
  { name: 'leases', ttl: false }
  { name: 'snapshots', ttl: false }
  { name: 'mailboxes', ttl: false }
  { name: 'addresses', ttl: false }
  { name: 'addressKeys', ttl: false }
  { name: 'requests', ttl: false }
  { name: 'requestKeys', ttl: false }
  { name: 'mails', ttl: false }
  { name: 'secrets', ttl: true }
  { name: 'mailTallies', ttl: false }
  { name: 'mailBursts', ttl: false }
  { name: 'subscriptions', ttl: false }
  { name: 'reconciliation', ttl: false }
  { name: 'adoptions', ttl: false }
  { name: 'adoptionKeys', ttl: false }
  { name: 'rootPosture', ttl: false }
  { name: 'rootAccess', ttl: false }
  { name: 'rootAccessKeys', ttl: false }
  { name: 'workflows', ttl: false }
  { name: 'pacing', ttl: false }
]

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${resourceBaseName}-id'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'rootmail-monitoring'
  params: {
    resourceBaseName: resourceBaseName
    location: location
    tags: tags
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'rootmail-cosmos'
  params: {
    accountName: '${resourceBaseName}-cosmos'
    location: location
    tags: tags
    databaseName: cosmosDatabaseName
    containers: cosmosContainers
    dataContributorPrincipalId: identity.properties.principalId
  }
}

// The web app uses this module's output, so it is created only after the Key Vault role assignment exists.
module keyVault 'modules/keyVault.bicep' = {
  name: 'rootmail-keyvault'
  params: {
    vaultName: 'kv-${uniqueString(resourceGroup().id, resourceBaseName)}'
    location: location
    tags: tags
    graphClientState: graphClientState
    secretsUserPrincipalId: identity.properties.principalId
    purgeProtection: keyVaultPurgeProtection
  }
}

// Exactly the settings src/config.ts reads (SETTING_NAMES), plus two App Service platform settings at the end.
// Not set here, on purpose (see test/infra.spec.ts): PORT (App Service sets it), DATA_DIR (embedded store only),
// COSMOS_KEY and MicrosoftAppPassword (no keys, no secrets: the managed identity), GRAPH_BASE_URL (default is
// the real Graph), SMTP_PORT/SMTP_HOST (the optional SMTP source is not offered on App Service),
// AWS_CREDENTIAL_SOURCE (Azure always uses web identity) and AWS_ENDPOINT_URL_* (loopback fakes in tests only).
var appSettings = {
  MicrosoftAppId: identity.properties.clientId
  MicrosoftAppType: 'UserAssignedMSI'
  MicrosoftAppTenantId: tenant().tenantId
  AZURE_CLIENT_ID: identity.properties.clientId
  AZURE_TENANT_ID: tenant().tenantId
  COSMOS_ENDPOINT: cosmos.outputs.endpoint
  COSMOS_DATABASE: cosmosDatabaseName
  MAILBOX: mailbox
  PUBLIC_BASE_URL: 'https://${hostName}'
  GRAPH_CLIENT_STATE: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.graphClientStateSecretUri})'
  AWS_EXTRA_SENDER_DOMAINS: awsExtraSenderDomains
  ADMIN_IDS: adminIds
  APPROVER_IDS: approverIds
  ADDRESS_STRATEGY: addressStrategy
  PLUS_ADDRESS: plusAddress
  QUARANTINE_DAYS: string(quarantineDays)
  API_AUDIENCE: apiAudiences
  API_ISSUER: apiIssuer
  API_JWKS_URL: apiJwksUrl
  REMINDER_HOURS: string(reminderHours)
  EXPIRY_HOURS: string(expiryHours)
  SECRET_TTL_MINUTES: string(secretTtlMinutes)
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.appInsightsConnectionString
  LOG_LEVEL: logLevel
  AWS_ROLE_ARN: awsRoleArn
  AWS_WEB_IDENTITY_AUDIENCE: awsWebIdentityAudience
  AWS_REGION: awsRegion
  RECONCILE_UNUSED_DAYS: string(reconcileUnusedDays)
  ADOPTION_CODE_MINUTES: string(adoptionCodeMinutes)
  ROOT_ACCESS_MINUTES: string(rootAccessMinutes)
  ROOT_ACCESS_START_HOURS: string(rootAccessStartHours)
  SCM_DO_BUILD_DURING_DEPLOYMENT: 'true'
  WEBSITE_NODE_DEFAULT_VERSION: '~24'
}

module appService 'modules/appService.bicep' = {
  name: 'rootmail-appservice'
  params: {
    webAppName: webAppName
    planName: '${resourceBaseName}-plan'
    location: location
    tags: tags
    sku: appServiceSku
    instanceCount: instanceCount
    zoneRedundant: zoneRedundant
    identityId: identity.id
    appSettings: appSettings
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module bot 'modules/bot.bicep' = {
  name: 'rootmail-bot'
  params: {
    botName: '${resourceBaseName}-bot'
    displayName: botDisplayName
    sku: botSku
    endpoint: 'https://${hostName}/api/messages'
    identityClientId: identity.properties.clientId
    identityResourceId: identity.id
    tenantId: tenant().tenantId
    tags: tags
  }
}

// Upper-case outputs are written to env/.env.<env> by the Agents Toolkit (m365agents.yml) for later steps.
output BOT_ID string = identity.properties.clientId
output BOT_DOMAIN string = hostName
@description('The tab signs in with the RootMail API registration: the manifest\'s webApplicationInfo.id.')
output TAB_CLIENT_ID string = apiAudience
output BOT_ENDPOINT string = 'https://${hostName}/api/messages'
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = appService.outputs.webAppId
output MANAGED_IDENTITY_CLIENT_ID string = identity.properties.clientId
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.properties.principalId
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output KEY_VAULT_NAME string = keyVault.outputs.vaultName
output WEB_APP_NAME string = webAppName
