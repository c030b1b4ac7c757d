// Key Vault (RBAC only) holding every secret Parley uses. Apps read secrets through
// Key Vault references with their own identity; each identity may read only the
// secrets its app needs (role assignments scoped to single secrets).
param location string
param tags object
param name string
param apiPrincipalId string
param agentPrincipalId string
@description('Object id of the deploying user (gets Key Vault Secrets Officer); empty to skip.')
param principalId string = ''
param principalType string = 'User'
param purgeProtection bool = true

@secure()
param livekitApiKey string
@secure()
param livekitApiSecret string
@secure()
param parleyApiKeys string
@secure()
param parleyAgentKey string
@secure()
@description('The agent key being rotated out; accepted by the API until cleared.')
param parleyAgentKeyPrevious string = ''
@secure()
@description('Provider keys for the agent: {keys: [{name: <secret name>, value: <key or empty>}]}. Empty values create no secret.')
param providerKeys object

var secretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var secretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    // checkov:skip=CKV_AZURE_109:The Function App (Flex, no VNet by default) and Container Apps reach the vault over its public endpoint; access is Entra RBAC only, no access policies, no keys.
    // checkov:skip=CKV_AZURE_110:Purge protection is on by default (keyVaultPurgeProtection=true). ARM rejects `false`, so "off" must be null, and checkov cannot evaluate that conditional.
    // checkov:skip=CKV_AZURE_42:Soft delete is always on and purge protection is on by default; same conditional expression as CKV_AZURE_110.
    // checkov:skip=CKV_AZURE_189:Same reason: no private network in the default deployment; every caller authenticates with Entra ID and holds a per-secret role.
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
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

// Secret expiry is deliberately unset on every secret below: rotation is an operator
// procedure (docs/deploy.md), and an expired LiveKit or agent key would take calls down.
resource livekitKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'livekit-api-key'
  properties: {
    // checkov:skip=CKV_AZURE_41:Rotation is operator-driven (docs/deploy.md); an expiry would silently break token minting.
    value: livekitApiKey
    contentType: 'text/plain'
  }
}

resource livekitSecretSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'livekit-api-secret'
  properties: {
    // checkov:skip=CKV_AZURE_41:Rotation is operator-driven (docs/deploy.md); an expiry would silently break token minting.
    value: livekitApiSecret
    contentType: 'text/plain'
  }
}

resource apiKeysSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'parley-api-keys'
  properties: {
    // checkov:skip=CKV_AZURE_41:Integrator keys are rotated by the operator (add new, then remove old); an expiry would lock integrators out.
    value: parleyApiKeys
    contentType: 'text/csv'
  }
}

resource agentKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'parley-agent-key'
  properties: {
    // checkov:skip=CKV_AZURE_41:Rotated with the two-key procedure in docs/deploy.md; an expiry would stop transcript writes.
    value: parleyAgentKey
    contentType: 'text/plain'
  }
}

resource agentKeysSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'parley-agent-keys'
  properties: {
    // checkov:skip=CKV_AZURE_41:Derived from parley-agent-key (plus the previous key during a rotation); expiry would stop transcript writes.
    value: empty(parleyAgentKeyPrevious) ? parleyAgentKey : '${parleyAgentKey},${parleyAgentKeyPrevious}'
    contentType: 'text/csv'
  }
}

resource providerSecrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for key in providerKeys.keys: if (!empty(key.value)) {
  parent: vault
  name: key.name
  properties: {
    // checkov:skip=CKV_AZURE_41:Provider keys are issued and rotated outside Azure; their lifetime is the provider's.
    value: key.value
    contentType: 'text/plain'
  }
}]

// The API: LiveKit credentials, integrator keys, accepted agent keys.
resource apiLivekitKey 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(livekitKeySecret.id, apiPrincipalId, secretsUser)
  scope: livekitKeySecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource apiLivekitSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(livekitSecretSecret.id, apiPrincipalId, secretsUser)
  scope: livekitSecretSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource apiApiKeys 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(apiKeysSecret.id, apiPrincipalId, secretsUser)
  scope: apiKeysSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource apiAgentKeys 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(agentKeysSecret.id, apiPrincipalId, secretsUser)
  scope: agentKeysSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The agent: LiveKit credentials, its own key, provider keys.
resource agentLivekitKey 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(livekitKeySecret.id, agentPrincipalId, secretsUser)
  scope: livekitKeySecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
    principalId: agentPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource agentLivekitSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(livekitSecretSecret.id, agentPrincipalId, secretsUser)
  scope: livekitSecretSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
    principalId: agentPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource agentAgentKey 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(agentKeySecret.id, agentPrincipalId, secretsUser)
  scope: agentKeySecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
    principalId: agentPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource agentProviderKeys 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (key, i) in providerKeys.keys: if (!empty(key.value)) {
  name: guid(vault.id, key.name, agentPrincipalId, secretsUser)
  scope: providerSecrets[i]
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUser)
    principalId: agentPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

// The operator: reads secrets back on re-provision (azd secretOrRandomPassword) and rotates them.
resource deployerOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(vault.id, principalId, secretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsOfficer)
    principalId: principalId
    principalType: principalType
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
output livekitApiKeyUri string = livekitKeySecret.properties.secretUri
output livekitApiSecretUri string = livekitSecretSecret.properties.secretUri
output parleyApiKeysUri string = apiKeysSecret.properties.secretUri
output parleyAgentKeyUri string = agentKeySecret.properties.secretUri
output parleyAgentKeysUri string = agentKeysSecret.properties.secretUri
