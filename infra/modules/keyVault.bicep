// Key Vault (RBAC mode) for the app's secrets. The app never holds a vault client: App Service resolves
// `@Microsoft.KeyVault(SecretUri=...)` app settings with the user-assigned identity (keyVaultReferenceIdentity),
// which gets "Key Vault Secrets User" on this vault only.

param vaultName string
param location string
param tags object

@secure()
param graphClientState string

@description('Principal (object) id of the identity that reads the secrets.')
param secretsUserPrincipalId string

param purgeProtection bool = true

// Built-in role "Key Vault Secrets User".
var secretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource graphClientStateSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'graph-client-state'
  properties: {
    value: graphClientState
    contentType: 'GRAPH_CLIENT_STATE: clientState of the Graph mail subscription'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, secretsUserPrincipalId, secretsUserRoleId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRoleId)
    principalId: secretsUserPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output vaultName string = vault.name
// Versionless: after a rotation App Service picks up the newest version (see docs/runbook.md).
output graphClientStateSecretUri string = graphClientStateSecret.properties.secretUri
