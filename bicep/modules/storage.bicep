// Storage: Functions host storage (identity-based), the Flex deployment container and
// the `uploads` container, plus the Event Grid system topic the blob trigger listens on.
// Shared keys are off: every caller uses Entra ID (the API signs upload SAS URLs with a
// user delegation key, which needs no account key).
param location string
param tags object
param name string
param uploadsContainerName string
param deploymentContainerName string
param systemTopicName string
@description('Standard_LRS, or Standard_ZRS when the deployment is zone redundant.')
param skuName string = 'Standard_LRS'
@description('Days before an uploaded blob is deleted; 0 keeps uploads forever.')
@minValue(0)
param uploadRetentionDays int = 90
@description('Browser origins allowed to PUT uploads with a SAS URL.')
param corsAllowedOrigins array = []
param apiPrincipalId string
@description('Object id of the deploying user (Storage Blob Data Contributor, for local runs against Azure); empty to skip.')
param principalId string = ''
param principalType string = 'User'

// Functions host storage needs Owner on blobs (leases, host secrets) and queues for the
// blob trigger's poison queue (learn.microsoft.com: "Connecting to host storage with an identity").
var blobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var blobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var queueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    // checkov:skip=CKV_AZURE_206:Uploads are short-lived working copies (lifecycle-deleted); LRS, or ZRS when zone redundant, is the chosen durability. Geo-replication doubles cost for data the system can recreate.
    // checkov:skip=CKV_AZURE_59:The Flex Consumption app and Event Grid reach the account over its public endpoint (no VNet in the default deployment); shared keys are disabled and every caller uses Entra ID.
    // checkov:skip=CKV_AZURE_35:Same reason: a default-deny firewall would block the Function App, which has no fixed outbound address without a VNet.
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
        }
        file: {
          enabled: true
        }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    cors: {
      corsRules: empty(corsAllowedOrigins) ? [] : [
        {
          allowedOrigins: corsAllowedOrigins
          allowedMethods: [
            'PUT'
            'OPTIONS'
          ]
          allowedHeaders: [
            'content-type'
            'x-ms-blob-type'
            'x-ms-version'
          ]
          exposedHeaders: [
            'etag'
          ]
          maxAgeInSeconds: 600
        }
      ]
    }
  }
}

resource uploads 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: uploadsContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deployment 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = if (uploadRetentionDays > 0) {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'expire-uploads'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${uploadsContainerName}/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: uploadRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
}

// Blob-created events for the Functions blob trigger (source: EventGrid). The event
// subscription is created after deployment by bicep/hooks/postdeploy.sh, because its
// webhook URL carries the Function App's blobs_extension key, which exists only once
// the code is deployed.
resource systemTopic 'Microsoft.EventGrid/systemTopics@2023-12-15-preview' = {
  name: systemTopicName
  location: location
  tags: tags
  properties: {
    source: account.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource apiBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, apiPrincipalId, blobDataOwner)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataOwner)
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource apiQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, apiPrincipalId, queueDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', queueDataContributor)
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource deployerBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(account.id, principalId, blobDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributor)
    principalId: principalId
    principalType: principalType
  }
}

output name string = account.name
output id string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
output uploadsContainerName string = uploads.name
output deploymentContainerName string = deployment.name
output systemTopicName string = systemTopic.name
