// Azure Managed Redis for the agent's conversation snapshots (recovery after a worker
// dies). Access keys are disabled: the agent signs in with its managed identity (Entra
// token as the password, its principal id as the user name).
param location string
param tags object
param name string
@description('Azure Managed Redis SKU, e.g. Balanced_B0 (smallest), Balanced_B1, MemoryOptimized_M10.')
param skuName string = 'Balanced_B0'
@description('Replicate for high availability (doubles the price). Snapshots are a recovery cache, so off by default.')
param highAvailability bool = false
param agentPrincipalId string
@description('Object id of the deploying user, for local runs against Azure; empty to skip.')
param principalId string = ''

resource cluster 'Microsoft.Cache/redisEnterprise@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    minimumTlsVersion: '1.2'
    highAvailability: highAvailability ? 'Enabled' : 'Disabled'
  }
}

resource database 'Microsoft.Cache/redisEnterprise/databases@2025-04-01' = {
  parent: cluster
  name: 'default'
  properties: {
    clientProtocol: 'Encrypted'
    port: 10000
    // One endpoint for non-cluster-aware clients (redis-py's plain Redis client).
    clusteringPolicy: 'EnterpriseCluster'
    evictionPolicy: 'VolatileLRU'
    accessKeysAuthentication: 'Disabled'
  }
}

resource agentAccess 'Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-04-01' = {
  parent: database
  name: 'agent'
  properties: {
    accessPolicyName: 'default'
    user: {
      objectId: agentPrincipalId
    }
  }
}

resource deployerAccess 'Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-04-01' = if (!empty(principalId)) {
  parent: database
  name: 'deployer'
  properties: {
    accessPolicyName: 'default'
    user: {
      objectId: principalId
    }
  }
}

output hostName string = cluster.properties.hostName
output port int = database.properties.port
// No password in the URL: the agent authenticates with an Entra token.
output agentUrl string = 'rediss://${agentPrincipalId}@${cluster.properties.hostName}:${database.properties.port}'
