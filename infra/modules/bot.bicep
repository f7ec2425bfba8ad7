// Azure Bot registered with the user-assigned managed identity (msaAppType UserAssignedMSI: no app password,
// single tenant) and connected to Microsoft Teams.

param botName string
param displayName string
param sku string
param endpoint string
param identityClientId string
param identityResourceId string
param tenantId string
param tags object

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: botName
  location: 'global'
  tags: tags
  kind: 'azurebot'
  sku: { name: sku }
  properties: {
    displayName: displayName
    endpoint: endpoint
    msaAppType: 'UserAssignedMSI'
    msaAppId: identityClientId
    msaAppTenantId: tenantId
    msaAppMSIResourceId: identityResourceId
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

output botName string = bot.name
