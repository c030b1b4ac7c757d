// Optional Azure AI Services account for the agent's Azure providers: an Azure OpenAI
// model deployment (LLM) and Azure AI Speech (STT/TTS) on one keyless resource.
param location string
param tags object
param name string
param agentPrincipalId string
@description('Object id of the deploying user (same roles, for local runs against Azure); empty to skip.')
param principalId string = ''
param principalType string = 'User'
param modelName string = 'gpt-4o-mini'
param modelVersion string = '2024-07-18'
param deploymentName string = 'gpt-4o-mini'
@description('Deployment type: GlobalStandard (pay per token, highest default quota) or Standard.')
param deploymentSku string = 'GlobalStandard'
@description('Capacity in thousands of tokens per minute.')
@minValue(1)
param capacity int = 50

@description('Deploy gpt-realtime and a transcription model for realtime calls (REALTIME_PROVIDERS=azure-openai), and give the agent Voice Live\'s roles. Regions: see docs/deploy.md.')
param realtimeEnabled bool = false
param realtimeModelVersion string = '2025-08-28'
@description('Capacity of the gpt-realtime deployment (GlobalStandard units).')
@minValue(1)
param realtimeCapacity int = 10
param transcriptionModelName string = 'gpt-4o-mini-transcribe'
param transcriptionModelVersion string = '2025-03-20'
@minValue(1)
param transcriptionCapacity int = 10

var openAiUser = '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'
// Voice Live: Cognitive Services User and Azure AI User on the AI Services account
var cognitiveServicesUser = 'a97b65f3-24c7-4388-baec-2e87135dc908'
var azureAiUser = '53ca6127-db72-4b80-b1b0-d745d6d5456d'
var speechUser = 'f2dc8367-1007-4938-bd23-fe263f013447'

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: name
  location: location
  tags: tags
  kind: 'AIServices'
  sku: {
    name: 'S0'
  }
  properties: {
    // checkov:skip=CKV_AZURE_134:The agent runs on Container Apps without a VNet; access needs an Entra token (local auth is off) and a role on this account.
    // checkov:skip=CKV_AZURE_238:Customer-managed keys need an extra key and identity; Microsoft-managed encryption is used.
    customSubDomainName: name
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource model 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  parent: account
  name: deploymentName
  sku: {
    name: deploymentSku
    capacity: capacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: modelName
      version: modelVersion
    }
  }
}

// Deployments on one account are created one after another (Azure refuses them in parallel).
resource realtimeModel 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = if (realtimeEnabled) {
  parent: account
  name: 'gpt-realtime'
  dependsOn: [
    model
  ]
  sku: {
    name: 'GlobalStandard'
    capacity: realtimeCapacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: 'gpt-realtime'
      version: realtimeModelVersion
    }
  }
}

resource transcriptionModel 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = if (realtimeEnabled) {
  parent: account
  name: transcriptionModelName
  dependsOn: [
    realtimeModel
  ]
  sku: {
    name: 'GlobalStandard'
    capacity: transcriptionCapacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: transcriptionModelName
      version: transcriptionModelVersion
    }
  }
}

resource agentCognitiveServicesUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (realtimeEnabled) {
  name: guid(account.id, agentPrincipalId, cognitiveServicesUser)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', cognitiveServicesUser)
    principalId: agentPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource agentAzureAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (realtimeEnabled) {
  name: guid(account.id, agentPrincipalId, azureAiUser)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', azureAiUser)
    principalId: agentPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource agentOpenAi 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, agentPrincipalId, openAiUser)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', openAiUser)
    principalId: agentPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource agentSpeech 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, agentPrincipalId, speechUser)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', speechUser)
    principalId: agentPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource deployerOpenAi 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(account.id, principalId, openAiUser)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', openAiUser)
    principalId: principalId
    principalType: principalType
  }
}

resource deployerSpeech 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(account.id, principalId, speechUser)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', speechUser)
    principalId: principalId
    principalType: principalType
  }
}

output id string = account.id
output endpoint string = account.properties.endpoint
output openAiEndpoint string = 'https://${name}.openai.azure.com/'
output speechEndpoint string = 'https://${name}.cognitiveservices.azure.com/'
output region string = location
output deploymentName string = model.name
output realtimeDeploymentName string = realtimeEnabled ? realtimeModel.name : ''
output transcriptionDeploymentName string = realtimeEnabled ? transcriptionModel.name : ''
output voiceLiveEndpoint string = 'https://${name}.services.ai.azure.com/'
