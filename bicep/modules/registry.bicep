// Container Registry for the agent image (built remotely by `azd deploy`, ACR Tasks).
// The agent pulls with its managed identity (AcrPull); the admin user stays disabled.
param location string
param tags object
param name string
param agentPrincipalId string
@description('Object id of the deploying user (AcrPush, to push images built elsewhere); empty to skip.')
param principalId string = ''
param principalType string = 'User'

var acrPull = '7f951dda-4ed3-4680-a7ca-43fe172d538d'
var acrPush = '8311e382-0749-4cb8-b61a-304f252e45ec'

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    // checkov:skip=CKV_AZURE_163:Image vulnerability scanning is Microsoft Defender for Containers, a subscription-wide plan (docs/deploy.md says how to enable it), not a registry property.
    // checkov:skip=CKV_AZURE_233:Zone redundancy needs the Premium SKU (about 10x Basic); the image is rebuilt by `azd deploy` if a zone is lost.
    // checkov:skip=CKV_AZURE_166:Quarantine needs Premium; images come only from this repo's remote build.
    // checkov:skip=CKV_AZURE_139:Public network access is needed for ACR Tasks remote builds and Container Apps pulls without a VNet; anonymous pull and the admin user are off.
    name: 'Basic'
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

resource agentPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, agentPrincipalId, acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPull)
    principalId: agentPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource deployerPush 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(registry.id, principalId, acrPush)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPush)
    principalId: principalId
    principalType: principalType
  }
}

output name string = registry.name
output loginServer string = registry.properties.loginServer
