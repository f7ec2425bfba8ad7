// Cosmos DB for NoSQL, serverless, keys disabled: the app's managed identity gets the built-in data-plane
// role "Cosmos DB Built-in Data Contributor" and nothing else. Containers are created here because that role
// cannot create them (the app only reads their metadata at start).

param accountName string
param location string
param tags object
param databaseName string

@description('[{ name, ttl }]: every container the app uses; ttl = true turns on per-document TTL (defaultTtl -1).')
param containers array

@description('Principal (object) id of the managed identity that reads and writes the data.')
param dataContributorPrincipalId string

// Built-in role "Cosmos DB Built-in Data Contributor" (data plane).
var dataContributorRoleId = '00000000-0000-0000-0000-000000000002'

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: [
      { name: 'EnableServerless' }
    ]
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: { id: databaseName }
  }
}

var partitionKey = {
  paths: [
    '/id'
  ]
  kind: 'Hash'
}

resource container 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [
  for c in containers: {
    parent: database
    name: c.name
    properties: {
      // defaultTtl -1: TTL on, but nothing expires unless the document carries its own `ttl` (seconds).
      resource: c.ttl ? {
        id: c.name
        partitionKey: partitionKey
        defaultTtl: -1
      } : {
        id: c.name
        partitionKey: partitionKey
      }
    }
  }
]

resource dataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: account
  name: guid(account.id, dataContributorPrincipalId, dataContributorRoleId)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleId}'
    principalId: dataContributorPrincipalId
    scope: account.id
  }
}

output endpoint string = account.properties.documentEndpoint
output accountName string = account.name
