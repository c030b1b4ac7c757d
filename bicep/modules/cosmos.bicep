// Cosmos DB for NoSQL: keyless (local auth off), continuous backup, one database and
// three containers partitioned by /sessionId. Access is a Cosmos SQL role assignment
// (data plane RBAC), never an account key.
param location string
param tags object
param name string
param databaseName string = 'parley'
@description('Serverless (pay per request, best for bursty or small use) or provisioned autoscale throughput.')
param serverless bool = true
@description('Autoscale max RU/s for the database when not serverless.')
@minValue(1000)
param autoscaleMaxThroughput int = 1000
@description('Days before sessions, transcripts and upload records expire; 0 keeps them forever.')
@minValue(0)
param retentionDays int = 90
param zoneRedundant bool = false
param apiPrincipalId string
@description('Object id of the deploying user (data contributor, for local runs against Azure); empty to skip.')
param principalId string = ''

// Built-in "Cosmos DB Built-in Data Contributor" (data plane role, not Azure RBAC).
var dataContributorRoleId = '00000000-0000-0000-0000-000000000002'
// -1 = TTL on, items kept unless they carry their own `ttl`.
var defaultTtl = (retentionDays > 0) ? retentionDays * 86400 : -1
var containerNames = [
  'sessions'
  'transcripts'
  'uploads'
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    // checkov:skip=CKV_AZURE_101:Public network access stays on: the Function App has no VNet in the default deployment. Local auth is disabled, so only Entra identities with a data-plane role get in.
    // checkov:skip=CKV_AZURE_99:No IP firewall because serverless compute has no fixed outbound address.
    databaseAccountOfferType: 'Standard'
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: zoneRedundant
      }
    ]
    capabilities: serverless ? [
      {
        name: 'EnableServerless'
      }
    ] : []
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: 'Continuous7Days'
      }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    options: serverless ? {} : {
      autoscaleSettings: {
        maxThroughput: autoscaleMaxThroughput
      }
    }
  }
}

resource containers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [for containerName in containerNames: {
  parent: database
  name: containerName
  properties: {
    resource: {
      id: containerName
      partitionKey: {
        paths: [
          '/sessionId'
        ]
        kind: 'Hash'
        version: 2
      }
      defaultTtl: defaultTtl
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          {
            path: '/*'
          }
        ]
        excludedPaths: [
          {
            path: '/text/?'
          }
          {
            path: '/"_etag"/?'
          }
        ]
        // A tenant's session list (equality filters, then the sort): served from the index
        // instead of sorting every matching document (docs/tenants.md).
        compositeIndexes: [
          [
            { path: '/kind', order: 'ascending' }
            { path: '/tenant', order: 'ascending' }
            { path: '/createdAt', order: 'descending' }
          ]
          [
            { path: '/kind', order: 'ascending' }
            { path: '/tenant', order: 'ascending' }
            { path: '/roomName', order: 'ascending' }
            { path: '/createdAt', order: 'descending' }
          ]
        ]
      }
    }
  }
}]

resource apiDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {
  parent: account
  name: guid(account.id, apiPrincipalId, dataContributorRoleId)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleId}'
    principalId: apiPrincipalId
    scope: account.id
  }
}

resource deployerDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = if (!empty(principalId)) {
  parent: account
  name: guid(account.id, principalId, dataContributorRoleId)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleId}'
    principalId: principalId
    scope: account.id
  }
}

output name string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
