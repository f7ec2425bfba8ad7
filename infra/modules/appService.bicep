// Linux App Service running the bot on Node 24 LTS, on several instances behind its load balancer (no session
// affinity: any instance serves any request), with the user-assigned identity for Cosmos DB, Graph and Key Vault
// references, and its console/HTTP logs sent to Log Analytics.

param webAppName string
param planName string
param location string
param tags object
param sku string

@description('Instances behind the load balancer; each runs the whole app against the shared Cosmos DB.')
@minValue(1)
param instanceCount int

@description('Spread the instances over availability zones (Premium v2/v3, 2 or more instances).')
param zoneRedundant bool

@description('Resource id of the user-assigned managed identity.')
param identityId string

@description('App settings as { NAME: value }; see `appSettings` in main.bicep.')
param appSettings object

param logAnalyticsWorkspaceId string

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'linux'
  sku: { name: sku, capacity: instanceCount }
  properties: {
    reserved: true // Linux
    zoneRedundant: zoneRedundant
  }
}

resource webApp 'Microsoft.Web/sites@2023-12-01' = {
  name: webAppName
  location: location
  tags: tags
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      linuxFxVersion: 'NODE|24-lts'
      alwaysOn: true // the background jobs (reminders, expiry, subscription renewal) run in-process
      appCommandLine: 'node dist/src/main/index.js'
      healthCheckPath: '/healthz'
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        for setting in items(appSettings): {
          name: setting.key
          value: setting.value
        }
      ]
    }
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: webApp
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      { category: 'AppServiceConsoleLogs', enabled: true } // the app's pino JSON lines (stdout)
      { category: 'AppServiceHTTPLogs', enabled: true }
      { category: 'AppServicePlatformLogs', enabled: true }
    ]
  }
}

output webAppId string = webApp.id
output defaultHostName string = webApp.properties.defaultHostName
