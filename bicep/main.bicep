// Parley on Azure: `azd up` provisions this template (subscription scope), then deploys
// the `api` (Function App) and `agent` (Container App) services from azure.yaml.
// One module per concern under modules/; every data-plane access is a role assignment to
// a user-assigned managed identity. docs/deploy.md documents every parameter.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds resourceToken.')
param environmentName string

@minLength(1)
@description('Primary region for every resource.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the person or pipeline running azd (AZURE_PRINCIPAL_ID): gets data roles for local runs and rotation. Empty = none.')
param principalId string = ''
@allowed([
  'User'
  'ServicePrincipal'
])
param principalType string = 'User'

// ---- LiveKit ----------------------------------------------------------------
@description('Deploy a LiveKit server in this resource group (Azure Container Instances) instead of using LiveKit Cloud.')
param livekitSelfHosted bool = false
@description('LiveKit Cloud (or any existing server) URL, wss://<project>.livekit.cloud. Ignored when livekitSelfHosted.')
param livekitUrl string = ''
@secure()
@description('LiveKit API key (LiveKit Cloud project keys, or the key the self-hosted server accepts).')
param livekitApiKey string
@secure()
@description('LiveKit API secret (at least 32 characters for a self-hosted server).')
param livekitApiSecret string
param livekitServerImage string = 'livekit/livekit-server:v1.11.0'
@description('vCPU for a self-hosted LiveKit server.')
@minValue(1)
@maxValue(4)
param livekitServerCpu int = 2

// ---- Keys (Key Vault) ---------------------------------------------------------
@secure()
@description('Integrator API keys, comma-separated (azd keeps the vault\'s current value, or generates one).')
param parleyApiKeys string
@secure()
@description('The agent\'s key for the transcript and upload API.')
param parleyAgentKey string
@secure()
@description('During an agent key rotation: the old key, still accepted by the API. Empty otherwise.')
param parleyAgentKeyPrevious string = ''
@secure()
param openAiApiKey string = ''
@secure()
param azureOpenAiApiKey string = ''
@secure()
param azureSpeechKey string = ''
// Keys of the other cloud providers: stored in Key Vault only when given (AWS: an access key
// pair, or nothing).
@secure()
param anthropicApiKey string = ''
@secure()
param googleApiKey string = ''
@secure()
param deepgramApiKey string = ''
@secure()
param elevenLabsApiKey string = ''
@secure()
param awsAccessKey string = ''
@secure()
param awsSecretAccessKey string = ''
@description('Enable Key Vault purge protection (cannot be turned off again; a purged-protected vault name stays reserved for 90 days after `azd down`).')
param keyVaultPurgeProtection bool = true

// ---- API (Function App) ----------------------------------------------------------
param agentName string = 'parley-agent'
@minValue(60)
@maxValue(86400)
param tokenTtlSeconds int = 900
@minValue(1)
param tokenRateLimitPerMinute int = 30
@minValue(1)
param uploadMaxBytes int = 10485760
param uploadAllowedTypes string = 'txt,md,csv,json,pdf,docx'
@minValue(60)
@maxValue(900)
param uploadSasTtlSeconds int = 600
@description('Timeout for each call the API makes to Cosmos DB, Blob Storage and LiveKit (seconds, may be fractional).')
param requestTimeoutSeconds string = '10'
@minValue(40)
@maxValue(1000)
param functionMaximumInstanceCount int = 100
@allowed([
  512
  2048
  4096
])
param functionInstanceMemoryMB int = 2048
@minValue(0)
param functionAlwaysReadyInstances int = 0
param easyAuthEnabled bool = false
param easyAuthClientId string = ''
param easyAuthTenantId string = ''
@description('The Parley tenant (integrator) whose sessions Easy Auth users create (docs/tenants.md).')
param easyAuthUsersTenant string = 'default'

// ---- Data ---------------------------------------------------------------------
param cosmosServerless bool = true
@minValue(1000)
param cosmosAutoscaleMaxThroughput int = 1000
@description('Days to keep sessions, transcripts and uploads (Cosmos TTL and blob lifecycle). 0 = forever.')
@minValue(0)
param dataRetentionDays int = 90
@minValue(30)
param logRetentionDays int = 30
param redisEnabled bool = true
param redisSku string = 'Balanced_B0'
param redisHighAvailability bool = false

// ---- Agent (Container Apps) --------------------------------------------------------
@description('azd sets this (SERVICE_AGENT_RESOURCE_EXISTS) so re-provisioning keeps the deployed image.')
param agentExists bool = false
param zoneRedundant bool = false
@description('vCPU per agent replica: with the thread executor one worker is one Python interpreter, so capacity was measured per core and replicas are one vCPU.')
param agentCpu string = '1.0'
param agentMemory string = '2Gi'
@minValue(1)
param agentMinReplicas int = 1
@minValue(1)
param agentMaxReplicas int = 10
@minValue(10)
@maxValue(95)
param agentCpuScaleThreshold int = 50
@description('Concurrent calls one agent worker carries per vCPU (measured with `make bench-capacity`).')
param agentCallsPerCore string = '4'
@description('Fraction of its call capacity at which one agent worker reports itself full.')
param agentLoadThreshold string = '1.0'
@allowed([
  'thread'
  'loop'
  'process'
])
param agentJobExecutor string = 'thread'
@description('End of turn: model (livekit v1-mini end-of-turn model) or vad (silence alone: cheaper, more calls per core, cuts in on pauses). TURN_DETECTION.')
@allowed([
  'model'
  'vad'
])
param agentTurnDetection string = 'model'
param agentSessionScaleRuleEnabled bool = true
@description('Active calls per replica KEDA aims for: about 70% of agentCallsPerCore x agentCpu.')
@minValue(1)
param agentTargetSessionsPerReplica int = 2
@minValue(1)
@maxValue(570)
param agentDrainTimeoutSeconds int = 300
@minValue(1)
@maxValue(20)
param agentJobShutdownTimeoutSeconds int = 10
param agentApiTimeoutSeconds string = '5'
@minValue(60)
param agentStateTtlSeconds int = 86400
param agentLogLevel string = 'INFO'
param agentPersona string = 'Parley'
param agentSystemPrompt string = ''
@description('Provider chains, e.g. "azure,openai,local"; empty = picked from the configured credentials.')
param sttProviders string = ''
param llmProviders string = ''
param ttsProviders string = ''
param openAiBaseUrl string = ''
param openAiLlmModel string = ''
param openAiSttModel string = ''
param openAiTtsModel string = ''
param openAiTtsVoice string = ''
param azureSpeechLanguage string = 'en-US'
param azureSpeechVoice string = 'en-US-JennyNeural'
@description('Other providers: endpoints (a gateway or private endpoint) and models; empty = the agent\'s default.')
param anthropicBaseUrl string = ''
param anthropicModel string = ''
param googleGeminiBaseUrl string = ''
param googleLlmModel string = ''
param deepgramBaseUrl string = ''
param deepgramModel string = ''
param elevenLabsBaseUrl string = ''
param elevenLabsModel string = ''
param elevenLabsVoiceId string = ''
param awsRegion string = ''
param awsEndpointUrlPolly string = ''
param awsEndpointUrlBedrockRuntime string = ''
param awsBedrockModel string = ''
param awsPollyVoice string = ''
param awsPollyEngine string = ''

// ---- Operations (workbook, alerts) --------------------------------------------------
@description('Who gets the alert mails (one action group); empty = alerts show in the portal only.')
param alertEmail string = ''
@description('Alert when p95 voice-to-voice latency over 15 minutes exceeds this (ms).')
@minValue(100)
param voiceToVoiceP95ThresholdMs int = 1500
@description('Alert when more provider failovers than this happen in 15 minutes.')
@minValue(0)
param failoverAlertThreshold int = 5
@description('Alert when more than this % of API requests answer 5xx over 15 minutes.')
@minValue(1)
@maxValue(100)
param api5xxPercentThreshold int = 5
@description('Alert when an agent replica has restarted more than this many times.')
@minValue(0)
param agentRestartThreshold int = 3

// ---- Azure AI (optional) -------------------------------------------------------------
@description('Deploy an Azure AI Services account (Azure OpenAI model + Speech) for the agent, keyless.')
param azureAiEnabled bool = true
param azureOpenAiModel string = 'gpt-4o-mini'
param azureOpenAiModelVersion string = '2024-07-18'
param azureOpenAiDeploymentSku string = 'GlobalStandard'
@minValue(1)
param azureOpenAiCapacity int = 50
param azureOpenAiApiVersion string = '2024-10-21'
@description('Use an existing Azure OpenAI endpoint instead (with azureAiEnabled=false).')
param azureOpenAiEndpoint string = ''
param azureOpenAiDeployment string = ''
param azureSpeechRegion string = ''
param azureSpeechEndpoint string = ''
param azureSpeechResourceId string = ''

// ---- Realtime speech-to-speech (optional) -----------------------------------------------
@description('Deploy gpt-realtime and gpt-4o-mini-transcribe on the AI account (azureAiEnabled) and Voice Live\'s roles; off by default. Regions: docs/deploy.md.')
param azureRealtimeEnabled bool = false
@description('The realtime chain, e.g. "azure-openai,voice-live"; empty = cascaded calls only (tenants may still choose realtime).')
param realtimeProviders string = ''
param realtimeVoice string = ''
param openAiRealtimeModel string = ''
param openAiRealtimeBaseUrl string = ''
@description('An existing gpt-realtime deployment on azureOpenAiEndpoint (without azureRealtimeEnabled).')
param azureOpenAiRealtimeDeployment string = ''
param azureOpenAiRealtimeApiVersion string = ''
@description('An existing Voice Live (AI Services) endpoint; empty = the AI account\'s when azureAiEnabled.')
param azureVoiceLiveEndpoint string = ''
param azureVoiceLiveModel string = ''
@secure()
@description('Voice Live API key (Key Vault); empty = managed identity.')
param azureVoiceLiveApiKey string = ''

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = 'func-${resourceToken}'
var containerAppName = 'ca-agent-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'
var uploadsContainerName = 'uploads'
var cosmosDatabaseName = 'parley'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identities 'modules/identities.bicep' = {
  name: 'identities'
  scope: rg
  params: {
    location: location
    tags: tags
    apiIdentityName: 'id-api-${resourceToken}'
    agentIdentityName: 'id-agent-${resourceToken}'
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    retentionInDays: logRetentionDays
    publisherPrincipalIds: [
      identities.outputs.apiPrincipalId
      identities.outputs.agentPrincipalId
    ]
    principalId: principalId
    principalType: principalType
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'kv-${resourceToken}'
    apiPrincipalId: identities.outputs.apiPrincipalId
    agentPrincipalId: identities.outputs.agentPrincipalId
    principalId: principalId
    principalType: principalType
    purgeProtection: keyVaultPurgeProtection
    livekitApiKey: livekitApiKey
    livekitApiSecret: livekitApiSecret
    parleyApiKeys: parleyApiKeys
    parleyAgentKey: parleyAgentKey
    parleyAgentKeyPrevious: parleyAgentKeyPrevious
    providerKeys: {
      keys: [
        {
          name: 'openai-api-key'
          value: openAiApiKey
        }
        {
          name: 'azure-openai-api-key'
          value: azureOpenAiApiKey
        }
        {
          name: 'azure-speech-key'
          value: azureSpeechKey
        }
        {
          name: 'anthropic-api-key'
          value: anthropicApiKey
        }
        {
          name: 'google-api-key'
          value: googleApiKey
        }
        {
          name: 'deepgram-api-key'
          value: deepgramApiKey
        }
        {
          name: 'elevenlabs-api-key'
          value: elevenLabsApiKey
        }
        {
          name: 'aws-access-key-id'
          value: awsAccessKey
        }
        {
          name: 'aws-secret-access-key'
          value: awsSecretAccessKey
        }
        {
          name: 'azure-voice-live-api-key'
          value: azureVoiceLiveApiKey
        }
      ]
    }
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'st${resourceToken}'
    skuName: zoneRedundant ? 'Standard_ZRS' : 'Standard_LRS'
    uploadsContainerName: uploadsContainerName
    deploymentContainerName: deploymentContainerName
    systemTopicName: 'evgt-${resourceToken}'
    uploadRetentionDays: dataRetentionDays
    corsAllowedOrigins: [
      'https://${functionAppName}.azurewebsites.net'
    ]
    apiPrincipalId: identities.outputs.apiPrincipalId
    principalId: principalId
    principalType: principalType
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'cosmos-${resourceToken}'
    databaseName: cosmosDatabaseName
    serverless: cosmosServerless
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    retentionDays: dataRetentionDays
    zoneRedundant: zoneRedundant
    apiPrincipalId: identities.outputs.apiPrincipalId
    principalId: principalId
  }
}

module redis 'modules/redis.bicep' = if (redisEnabled) {
  name: 'redis'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'redis-${resourceToken}'
    skuName: redisSku
    highAvailability: redisHighAvailability
    agentPrincipalId: identities.outputs.agentPrincipalId
    principalId: principalId
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'cr${resourceToken}'
    agentPrincipalId: identities.outputs.agentPrincipalId
    principalId: principalId
    principalType: principalType
  }
}

module ai 'modules/ai.bicep' = if (azureAiEnabled) {
  name: 'ai'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'ais-${resourceToken}'
    agentPrincipalId: identities.outputs.agentPrincipalId
    principalId: principalId
    principalType: principalType
    modelName: azureOpenAiModel
    modelVersion: azureOpenAiModelVersion
    deploymentName: azureOpenAiModel
    deploymentSku: azureOpenAiDeploymentSku
    capacity: azureOpenAiCapacity
    realtimeEnabled: azureRealtimeEnabled
  }
}

module livekit 'modules/livekit.bicep' = if (livekitSelfHosted) {
  name: 'livekit'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'aci-livekit-${resourceToken}'
    dnsNameLabel: 'livekit-${resourceToken}'
    livekitImage: livekitServerImage
    cpu: livekitServerCpu
    memoryInGB: livekitServerCpu * 2
    livekitApiKey: livekitApiKey
    livekitApiSecret: livekitApiSecret
    webhookUrl: 'https://${functionAppName}.azurewebsites.net/api/livekit/webhook'
  }
}

var effectiveLivekitUrl = livekitSelfHosted ? 'wss://livekit-${resourceToken}.${location}.azurecontainer.io' : livekitUrl

module api 'modules/functionapp.bicep' = {
  name: 'api'
  scope: rg
  params: {
    location: location
    tags: tags
    name: functionAppName
    planName: 'plan-${resourceToken}'
    identityId: identities.outputs.apiIdentityId
    identityClientId: identities.outputs.apiClientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultUri: keyVault.outputs.uri
    maximumInstanceCount: functionMaximumInstanceCount
    instanceMemoryMB: functionInstanceMemoryMB
    alwaysReadyInstances: functionAlwaysReadyInstances
    livekitUrl: effectiveLivekitUrl
    agentName: agentName
    tokenTtlSeconds: tokenTtlSeconds
    tokenRateLimitPerMinute: tokenRateLimitPerMinute
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabase: cosmos.outputs.databaseName
    uploadsContainerName: storage.outputs.uploadsContainerName
    uploadMaxBytes: uploadMaxBytes
    uploadAllowedTypes: uploadAllowedTypes
    uploadSasTtlSeconds: uploadSasTtlSeconds
    requestTimeoutSeconds: requestTimeoutSeconds
    easyAuthEnabled: easyAuthEnabled
    easyAuthClientId: easyAuthClientId
    easyAuthTenantId: easyAuthTenantId
    easyAuthUsersTenant: easyAuthUsersTenant
  }
}

module network 'modules/network.bicep' = if (zoneRedundant) {
  name: 'network'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'vnet-${resourceToken}'
  }
}

module agentImage 'modules/fetch-image.bicep' = {
  name: 'agent-image'
  scope: rg
  params: {
    exists: agentExists
    name: containerAppName
  }
}

module agent 'modules/agent.bicep' = {
  name: 'agent'
  scope: rg
  params: {
    location: location
    tags: tags
    environmentName: 'cae-${resourceToken}'
    appName: containerAppName
    identityId: identities.outputs.agentIdentityId
    identityClientId: identities.outputs.agentClientId
    registryServer: registry.outputs.loginServer
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    keyVaultUri: keyVault.outputs.uri
    zoneRedundant: zoneRedundant
    infrastructureSubnetId: zoneRedundant ? network.outputs.infrastructureSubnetId : ''
    imageName: agentImage.outputs.image
    cpu: agentCpu
    memory: agentMemory
    minReplicas: agentMinReplicas
    maxReplicas: agentMaxReplicas
    cpuScaleThreshold: agentCpuScaleThreshold
    callsPerCore: agentCallsPerCore
    loadThreshold: agentLoadThreshold
    jobExecutor: agentJobExecutor
    turnDetection: agentTurnDetection
    sessionScaleRuleEnabled: agentSessionScaleRuleEnabled
    targetSessionsPerReplica: agentTargetSessionsPerReplica
    drainTimeoutSeconds: agentDrainTimeoutSeconds
    jobShutdownTimeoutSeconds: agentJobShutdownTimeoutSeconds
    livekitUrl: effectiveLivekitUrl
    agentName: agentName
    apiUrl: api.outputs.url
    apiTimeoutSeconds: agentApiTimeoutSeconds
    redisUrl: redisEnabled ? redis.outputs.agentUrl : ''
    stateTtlSeconds: agentStateTtlSeconds
    sttProviders: sttProviders
    llmProviders: llmProviders
    ttsProviders: ttsProviders
    openAiBaseUrl: openAiBaseUrl
    openAiLlmModel: openAiLlmModel
    openAiSttModel: openAiSttModel
    openAiTtsModel: openAiTtsModel
    openAiTtsVoice: openAiTtsVoice
    azureOpenAiEndpoint: azureAiEnabled ? ai.outputs.openAiEndpoint : azureOpenAiEndpoint
    azureOpenAiDeployment: azureAiEnabled ? ai.outputs.deploymentName : azureOpenAiDeployment
    azureOpenAiApiVersion: azureOpenAiApiVersion
    azureSpeechRegion: azureAiEnabled ? ai.outputs.region : azureSpeechRegion
    azureSpeechEndpoint: azureAiEnabled ? ai.outputs.speechEndpoint : azureSpeechEndpoint
    azureSpeechResourceId: azureAiEnabled ? ai.outputs.id : azureSpeechResourceId
    azureSpeechLanguage: azureSpeechLanguage
    azureSpeechVoice: azureSpeechVoice
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    logLevel: agentLogLevel
    persona: agentPersona
    systemPrompt: agentSystemPrompt
    uploadMaxBytes: uploadMaxBytes
    hasOpenAiKey: !empty(openAiApiKey)
    hasAzureOpenAiKey: !empty(azureOpenAiApiKey)
    hasAzureSpeechKey: !empty(azureSpeechKey)
    anthropicBaseUrl: anthropicBaseUrl
    anthropicModel: anthropicModel
    googleGeminiBaseUrl: googleGeminiBaseUrl
    googleLlmModel: googleLlmModel
    deepgramBaseUrl: deepgramBaseUrl
    deepgramModel: deepgramModel
    elevenLabsBaseUrl: elevenLabsBaseUrl
    elevenLabsModel: elevenLabsModel
    elevenLabsVoiceId: elevenLabsVoiceId
    awsRegion: awsRegion
    awsEndpointUrlPolly: awsEndpointUrlPolly
    awsEndpointUrlBedrockRuntime: awsEndpointUrlBedrockRuntime
    awsBedrockModel: awsBedrockModel
    awsPollyVoice: awsPollyVoice
    awsPollyEngine: awsPollyEngine
    hasAnthropicKey: !empty(anthropicApiKey)
    hasGoogleKey: !empty(googleApiKey)
    hasDeepgramKey: !empty(deepgramApiKey)
    hasElevenLabsKey: !empty(elevenLabsApiKey)
    hasAwsKey: !empty(awsAccessKey) && !empty(awsSecretAccessKey)
    realtimeProviders: realtimeProviders
    realtimeVoice: realtimeVoice
    realtimeTranscriptionModel: azureAiEnabled && azureRealtimeEnabled ? ai.outputs.transcriptionDeploymentName : ''
    openAiRealtimeModel: openAiRealtimeModel
    openAiRealtimeBaseUrl: openAiRealtimeBaseUrl
    azureOpenAiRealtimeDeployment: azureAiEnabled && azureRealtimeEnabled ? ai.outputs.realtimeDeploymentName : azureOpenAiRealtimeDeployment
    azureOpenAiRealtimeApiVersion: azureOpenAiRealtimeApiVersion
    azureVoiceLiveEndpoint: empty(azureVoiceLiveEndpoint) && azureAiEnabled ? ai.outputs.voiceLiveEndpoint : azureVoiceLiveEndpoint
    azureVoiceLiveModel: azureVoiceLiveModel
    hasAzureVoiceLiveKey: !empty(azureVoiceLiveApiKey)
  }
}

module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    agentAppName: agent.outputs.name
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    agentAppName: agent.outputs.name
    alertEmail: alertEmail
    voiceToVoiceP95ThresholdMs: voiceToVoiceP95ThresholdMs
    failoverThreshold: failoverAlertThreshold
    api5xxPercentThreshold: api5xxPercentThreshold
    agentRestartThreshold: agentRestartThreshold
  }
}

// Outputs become azd environment values (`azd env get-values`); the hooks and the
// local `.env` written after provisioning read them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_ENVIRONMENT_NAME string = agent.outputs.environmentName
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_EVENT_GRID_SYSTEM_TOPIC_NAME string = storage.outputs.systemTopicName
output SERVICE_API_URI string = api.outputs.url
output SERVICE_AGENT_NAME string = agent.outputs.name
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output LIVEKIT_URL string = effectiveLivekitUrl
output AGENT_NAME string = agentName
output PARLEY_API_URL string = api.outputs.url
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = cosmos.outputs.databaseName
output STORAGE_ACCOUNT_URL string = storage.outputs.blobEndpoint
output UPLOADS_CONTAINER string = uploadsContainerName
output REDIS_HOST string = redisEnabled ? redis.outputs.hostName : ''
output AZURE_OPENAI_ENDPOINT string = azureAiEnabled ? ai.outputs.openAiEndpoint : azureOpenAiEndpoint
output AZURE_OPENAI_DEPLOYMENT string = azureAiEnabled ? ai.outputs.deploymentName : azureOpenAiDeployment
output AZURE_SPEECH_REGION string = azureAiEnabled ? ai.outputs.region : azureSpeechRegion
output AZURE_SPEECH_ENDPOINT string = azureAiEnabled ? ai.outputs.speechEndpoint : azureSpeechEndpoint
output AZURE_SPEECH_RESOURCE_ID string = azureAiEnabled ? ai.outputs.id : azureSpeechResourceId
output AGENT_TERMINATION_GRACE_SECONDS int = agent.outputs.terminationGraceSeconds
