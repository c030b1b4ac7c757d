// The LiveKit agent worker on Azure Container Apps. It only dials out (to LiveKit and
// the Parley API), so it has no ingress; the platform probes its worker health server.
// Every variable agent_app.settings.AgentSettings reads is wired below (tests/infra pins
// that): `plainEnv` always, `optionalEnv` when its value is not empty, `secretEnv` from
// Key Vault through the agent's own identity.
param location string
param tags object
param environmentName string
param appName string
param identityId string
param identityClientId string
param registryServer string
param logAnalyticsId string
param keyVaultUri string
param zoneRedundant bool = false
@description('Subnet for a zone-redundant environment (required then, ignored otherwise).')
param infrastructureSubnetId string = ''
@description('Image to run; empty = a placeholder until `azd deploy` pushes the agent.')
param imageName string = ''

@description('vCPU per replica (Consumption profile: 0.25-4, memory = 2 GiB per vCPU).')
param cpu string = '1.0'
param memory string = '2Gi'
@description('Replicas kept warm even with no calls (>= 1: a call never waits for a cold start).')
@minValue(1)
param minReplicas int = 1
@minValue(1)
param maxReplicas int = 10
@description('Average CPU % per replica above which KEDA adds replicas.')
@minValue(10)
@maxValue(95)
param cpuScaleThreshold int = 50
@description('Concurrent calls one worker carries per vCPU, measured with `make bench-capacity` (CALLS_PER_CORE); its load is active calls over this times its vCPU.')
param callsPerCore string = '4'
@description('Fraction of its call capacity at which a worker reports itself full and LiveKit offers it no more jobs (LOAD_THRESHOLD).')
param loadThreshold string = '1.0'
@description('End of turn: model (livekit v1-mini end-of-turn model, about 65 ms of CPU per pause) or vad (silence alone). TURN_DETECTION.')
@allowed([
  'model'
  'vad'
])
param turnDetection string = 'model'
@description('thread: every call in the worker process (least memory per call); loop: the same, every call on one event loop (less CPU and memory; a call that blocks the loop stalls the others); process: one process per call (isolated, about 80 MB more per call). JOB_EXECUTOR.')
@allowed([
  'thread'
  'loop'
  'process'
])
param jobExecutor string = 'thread'
@description('Scale on active calls reported by the API (KEDA metrics-api on /api/metrics/agents).')
param sessionScaleRuleEnabled bool = true
@description('Active calls per replica KEDA aims for: below a replica\'s capacity (callsPerCore x cpu) so a new call finds a warm worker with room.')
@minValue(1)
param targetSessionsPerReplica int = 2
@description('Seconds a stopping replica lets its calls finish (DRAIN_TIMEOUT_SECONDS).')
@minValue(1)
@maxValue(570)
param drainTimeoutSeconds int = 300
@description('Seconds the job shutdown callbacks may take after the drain.')
@minValue(1)
@maxValue(20)
param jobShutdownTimeoutSeconds int = 10

// Agent settings (names match agent_app/settings.py).
param livekitUrl string
param agentName string
param apiUrl string
param apiTimeoutSeconds string = '5'
param redisUrl string = ''
param stateTtlSeconds int = 86400

@description('Seconds a job\'s Redis lease outlives its last renewal: how long a dead agent goes unnoticed before another worker has it removed and the API re-dispatches the call.')
param agentLeaseTtlSeconds string = '2'

@description('Seconds of silence after which a turn the end-of-turn model judges finished is answered.')
param minEndpointingDelaySeconds string = '0.3'

@description('Longest wait, in seconds, for more words when the end-of-turn model judges the sentence unfinished.')
param maxEndpointingDelaySeconds string = '2.5'

@description('Fixed call capacity of one worker (MAX_CALLS); empty = callsPerCore x its vCPU.')
param maxCalls string = ''
@description('Jobs kept initialised ahead of calls (NUM_IDLE_PROCESSES); empty = one per vCPU.')
param numIdleProcesses string = ''
param sttProviders string = ''
param llmProviders string = ''
param ttsProviders string = ''
param openAiBaseUrl string = ''
param openAiLlmModel string = ''
param openAiSttModel string = ''
param openAiTtsModel string = ''
param openAiTtsVoice string = ''
param azureOpenAiEndpoint string = ''
param azureOpenAiDeployment string = ''
param azureOpenAiApiVersion string = '2024-10-21'
param azureSpeechRegion string = ''
param azureSpeechEndpoint string = ''
param azureSpeechResourceId string = ''
param azureSpeechLanguage string = 'en-US'
param azureSpeechVoice string = 'en-US-JennyNeural'
param applicationInsightsConnectionString string
param logLevel string = 'INFO'
param persona string = 'Parley'
param systemPrompt string = ''
param uploadMaxBytes int
param hasOpenAiKey bool = false
param hasAzureOpenAiKey bool = false
param hasAzureSpeechKey bool = false

// Anthropic, Google Gemini, Deepgram, ElevenLabs and AWS (Polly, Bedrock): endpoints and
// models, empty = the agent's default; their keys come from Key Vault (secretEnv).
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
param hasAnthropicKey bool = false
param hasGoogleKey bool = false
param hasDeepgramKey bool = false
param hasElevenLabsKey bool = false
param hasAwsKey bool = false

// Realtime speech-to-speech (REALTIME_PROVIDERS and the settings below; empty = the agent's
// default). With realtime set, the STT/LLM/TTS chains above are the call's fallback.
param realtimeProviders string = ''
param realtimeVoice string = ''
param realtimeTranscriptionModel string = ''
param realtimeConnectRetries string = ''
param openAiRealtimeModel string = ''
param openAiRealtimeBaseUrl string = ''
param azureOpenAiRealtimeDeployment string = ''
param azureOpenAiRealtimeApiVersion string = ''
param azureVoiceLiveEndpoint string = ''
param azureVoiceLiveModel string = ''
param hasAzureVoiceLiveKey bool = false

var healthPort = 8081
// SIGTERM -> drain -> job shutdown -> exit must end before Container Apps' SIGKILL.
var terminationGraceSeconds = drainTimeoutSeconds + jobShutdownTimeoutSeconds + 10

var plainEnv = [
  {
    name: 'LIVEKIT_URL'
    value: livekitUrl
  }
  {
    name: 'AGENT_NAME'
    value: agentName
  }
  {
    name: 'PARLEY_API_URL'
    value: apiUrl
  }
  {
    name: 'API_TIMEOUT_SECONDS'
    value: apiTimeoutSeconds
  }
  {
    name: 'STATE_TTL_SECONDS'
    value: string(stateTtlSeconds)
  }
  {
    name: 'AGENT_LEASE_TTL_SECONDS'
    value: agentLeaseTtlSeconds
  }
  {
    name: 'MIN_ENDPOINTING_DELAY_SECONDS'
    value: minEndpointingDelaySeconds
  }
  {
    name: 'MAX_ENDPOINTING_DELAY_SECONDS'
    value: maxEndpointingDelaySeconds
  }
  {
    name: 'AZURE_OPENAI_API_VERSION'
    value: azureOpenAiApiVersion
  }
  {
    name: 'AZURE_SPEECH_LANGUAGE'
    value: azureSpeechLanguage
  }
  {
    name: 'AZURE_SPEECH_VOICE'
    value: azureSpeechVoice
  }
  {
    name: 'AZURE_CLIENT_ID'
    value: identityClientId
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: applicationInsightsConnectionString
  }
  {
    name: 'LOG_LEVEL'
    value: logLevel
  }
  {
    name: 'DRAIN_TIMEOUT_SECONDS'
    value: string(drainTimeoutSeconds)
  }
  {
    name: 'JOB_SHUTDOWN_TIMEOUT_SECONDS'
    value: string(jobShutdownTimeoutSeconds)
  }
  {
    name: 'TERMINATION_GRACE_SECONDS'
    value: string(terminationGraceSeconds)
  }
  {
    name: 'HEALTH_PORT'
    value: string(healthPort)
  }
  {
    name: 'CALLS_PER_CORE'
    value: callsPerCore
  }
  {
    name: 'LOAD_THRESHOLD'
    value: loadThreshold
  }
  {
    name: 'JOB_EXECUTOR'
    value: jobExecutor
  }
  {
    name: 'TURN_DETECTION'
    value: turnDetection
  }
  {
    name: 'PERSONA'
    value: persona
  }
  {
    name: 'UPLOAD_MAX_BYTES'
    value: string(uploadMaxBytes)
  }
]

// Set only when given: an empty value would override the agent's own default.
var optionalEnv = [
  {
    name: 'REDIS_URL'
    value: redisUrl
  }
  {
    name: 'STT_PROVIDERS'
    value: sttProviders
  }
  {
    name: 'LLM_PROVIDERS'
    value: llmProviders
  }
  {
    name: 'TTS_PROVIDERS'
    value: ttsProviders
  }
  {
    name: 'OPENAI_BASE_URL'
    value: openAiBaseUrl
  }
  {
    name: 'OPENAI_LLM_MODEL'
    value: openAiLlmModel
  }
  {
    name: 'OPENAI_STT_MODEL'
    value: openAiSttModel
  }
  {
    name: 'OPENAI_TTS_MODEL'
    value: openAiTtsModel
  }
  {
    name: 'OPENAI_TTS_VOICE'
    value: openAiTtsVoice
  }
  {
    name: 'AZURE_OPENAI_ENDPOINT'
    value: azureOpenAiEndpoint
  }
  {
    name: 'AZURE_OPENAI_DEPLOYMENT'
    value: azureOpenAiDeployment
  }
  {
    name: 'AZURE_SPEECH_REGION'
    value: azureSpeechRegion
  }
  {
    name: 'AZURE_SPEECH_ENDPOINT'
    value: azureSpeechEndpoint
  }
  {
    name: 'AZURE_SPEECH_RESOURCE_ID'
    value: azureSpeechResourceId
  }
  {
    name: 'SYSTEM_PROMPT'
    value: systemPrompt
  }
  {
    name: 'MAX_CALLS'
    value: maxCalls
  }
  {
    name: 'NUM_IDLE_PROCESSES'
    value: numIdleProcesses
  }
  {
    name: 'ANTHROPIC_BASE_URL'
    value: anthropicBaseUrl
  }
  {
    name: 'ANTHROPIC_MODEL'
    value: anthropicModel
  }
  {
    name: 'GOOGLE_GEMINI_BASE_URL'
    value: googleGeminiBaseUrl
  }
  {
    name: 'GOOGLE_LLM_MODEL'
    value: googleLlmModel
  }
  {
    name: 'DEEPGRAM_BASE_URL'
    value: deepgramBaseUrl
  }
  {
    name: 'DEEPGRAM_MODEL'
    value: deepgramModel
  }
  {
    name: 'ELEVENLABS_BASE_URL'
    value: elevenLabsBaseUrl
  }
  {
    name: 'ELEVENLABS_MODEL'
    value: elevenLabsModel
  }
  {
    name: 'ELEVENLABS_VOICE_ID'
    value: elevenLabsVoiceId
  }
  {
    name: 'AWS_REGION'
    value: awsRegion
  }
  {
    name: 'AWS_ENDPOINT_URL_POLLY'
    value: awsEndpointUrlPolly
  }
  {
    name: 'AWS_ENDPOINT_URL_BEDROCK_RUNTIME'
    value: awsEndpointUrlBedrockRuntime
  }
  {
    name: 'AWS_BEDROCK_MODEL'
    value: awsBedrockModel
  }
  {
    name: 'AWS_POLLY_VOICE'
    value: awsPollyVoice
  }
  {
    name: 'AWS_POLLY_ENGINE'
    value: awsPollyEngine
  }
  // realtime speech-to-speech
  {
    name: 'REALTIME_PROVIDERS'
    value: realtimeProviders
  }
  {
    name: 'REALTIME_VOICE'
    value: realtimeVoice
  }
  {
    name: 'REALTIME_TRANSCRIPTION_MODEL'
    value: realtimeTranscriptionModel
  }
  {
    name: 'REALTIME_CONNECT_RETRIES'
    value: realtimeConnectRetries
  }
  {
    name: 'OPENAI_REALTIME_MODEL'
    value: openAiRealtimeModel
  }
  {
    name: 'OPENAI_REALTIME_BASE_URL'
    value: openAiRealtimeBaseUrl
  }
  {
    name: 'AZURE_OPENAI_REALTIME_DEPLOYMENT'
    value: azureOpenAiRealtimeDeployment
  }
  {
    name: 'AZURE_OPENAI_REALTIME_API_VERSION'
    value: azureOpenAiRealtimeApiVersion
  }
  {
    name: 'AZURE_VOICE_LIVE_ENDPOINT'
    value: azureVoiceLiveEndpoint
  }
  {
    name: 'AZURE_VOICE_LIVE_MODEL'
    value: azureVoiceLiveModel
  }
]

// Key Vault secrets: Container Apps resolves them with the agent identity.
var secretEnv = [
  {
    name: 'LIVEKIT_API_KEY'
    secret: 'livekit-api-key'
    enabled: true
  }
  {
    name: 'LIVEKIT_API_SECRET'
    secret: 'livekit-api-secret'
    enabled: true
  }
  {
    name: 'PARLEY_AGENT_KEY'
    secret: 'parley-agent-key'
    enabled: true
  }
  {
    name: 'OPENAI_API_KEY'
    secret: 'openai-api-key'
    enabled: hasOpenAiKey
  }
  {
    name: 'AZURE_OPENAI_API_KEY'
    secret: 'azure-openai-api-key'
    enabled: hasAzureOpenAiKey
  }
  {
    name: 'AZURE_SPEECH_KEY'
    secret: 'azure-speech-key'
    enabled: hasAzureSpeechKey
  }
  {
    name: 'ANTHROPIC_API_KEY'
    secret: 'anthropic-api-key'
    enabled: hasAnthropicKey
  }
  {
    name: 'GOOGLE_API_KEY'
    secret: 'google-api-key'
    enabled: hasGoogleKey
  }
  {
    name: 'DEEPGRAM_API_KEY'
    secret: 'deepgram-api-key'
    enabled: hasDeepgramKey
  }
  {
    name: 'ELEVENLABS_API_KEY'
    secret: 'elevenlabs-api-key'
    enabled: hasElevenLabsKey
  }
  {
    name: 'AWS_ACCESS_KEY_ID'
    secret: 'aws-access-key-id'
    enabled: hasAwsKey
  }
  {
    name: 'AWS_SECRET_ACCESS_KEY'
    secret: 'aws-secret-access-key'
    enabled: hasAwsKey
  }
  {
    name: 'AZURE_VOICE_LIVE_API_KEY'
    secret: 'azure-voice-live-api-key'
    enabled: hasAzureVoiceLiveKey
  }
]

var plainEnvVars = [for e in plainEnv: {
  name: e.name
  value: e.value
}]
var optionalEnvVars = [for e in filter(optionalEnv, o => !empty(o.value)): {
  name: e.name
  value: e.value
}]
var secretEnvVars = [for s in filter(secretEnv, x => x.enabled): {
  name: s.name
  secretRef: s.secret
}]
var appSecrets = [for s in filter(secretEnv, x => x.enabled): {
  name: s.secret
  keyVaultUrl: '${keyVaultUri}secrets/${s.secret}'
  identity: identityId
}]

var probes = [
  {
    type: 'Startup'
    httpGet: {
      path: '/'
      port: healthPort
    }
    initialDelaySeconds: 5
    periodSeconds: 10
    failureThreshold: 10
    timeoutSeconds: 5
  }
  {
    type: 'Liveness'
    httpGet: {
      path: '/'
      port: healthPort
    }
    periodSeconds: 15
    failureThreshold: 3
    timeoutSeconds: 5
  }
  {
    type: 'Readiness'
    httpGet: {
      path: '/'
      port: healthPort
    }
    periodSeconds: 10
    failureThreshold: 3
    timeoutSeconds: 5
  }
]

var cpuRule = {
  name: 'cpu-load'
  custom: {
    type: 'cpu'
    metadata: {
      type: 'Utilization'
      value: string(cpuScaleThreshold)
    }
  }
}

// KEDA metrics-api: desired replicas = ceil(activeSessions / targetSessionsPerReplica).
var sessionRule = {
  name: 'active-sessions'
  custom: {
    type: 'metrics-api'
    metadata: {
      url: '${apiUrl}/api/metrics/agents'
      valueLocation: 'activeSessions'
      targetValue: string(targetSessionsPerReplica)
      authMode: 'apiKey'
      method: 'header'
      keyParamName: 'x-api-key'
    }
    auth: [
      {
        secretRef: 'parley-agent-key'
        triggerParameter: 'apiKey'
      }
    ]
  }
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    // Logs flow through diagnostic settings (below): no workspace shared key is handed out.
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    zoneRedundant: zoneRedundant
    vnetConfiguration: zoneRedundant ? {
      infrastructureSubnetId: infrastructureSubnetId
      internal: false
    } : null
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
  }
}

resource environmentLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: environment
  properties: {
    workspaceId: logAnalyticsId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: appName
  location: location
  tags: union(tags, {
    'azd-service-name': 'agent'
  })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
      secrets: appSecrets
    }
    template: {
      terminationGracePeriodSeconds: terminationGraceSeconds
      containers: [
        {
          name: 'agent'
          image: empty(imageName) ? 'mcr.microsoft.com/k8se/quickstart:latest' : imageName
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          env: concat(plainEnvVars, optionalEnvVars, secretEnvVars)
          // The placeholder image has no worker health server: probe only the real agent.
          probes: empty(imageName) ? [] : probes
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: sessionScaleRuleEnabled ? [
          cpuRule
          sessionRule
        ] : [
          cpuRule
        ]
      }
    }
  }
}

output name string = app.name
output environmentName string = environment.name
output terminationGraceSeconds int = terminationGraceSeconds
