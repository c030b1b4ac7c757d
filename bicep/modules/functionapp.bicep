// The HTTP API and the upload blob trigger: a Python 3.11 Function App on the Flex
// Consumption plan. Host storage and deployment storage use the API's managed identity;
// secrets are Key Vault references resolved with the same identity. Every variable that
// functions.settings.ApiSettings reads is set here (tests/infra pins that).
param location string
param tags object
param name string
param planName string
param identityId string
param identityClientId string
param storageAccountName string
param blobEndpoint string
param queueEndpoint string
param tableEndpoint string
param deploymentContainerName string
param applicationInsightsConnectionString string
param keyVaultUri string

@description('Flex Consumption: the most instances the app may scale out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100
@description('Flex Consumption instance size in MB (512, 2048 or 4096).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048
@description('Always-ready HTTP instances (billed while idle; removes cold starts). 0 = pure pay-per-use.')
@minValue(0)
param alwaysReadyInstances int = 0

// The API's own settings (names match functions/settings.py).
param livekitUrl string
param agentName string
param tokenTtlSeconds int
param tokenRateLimitPerMinute int
param cosmosEndpoint string
param cosmosDatabase string
param uploadsContainerName string
param uploadMaxBytes int
param uploadAllowedTypes string
param uploadSasTtlSeconds int
param requestTimeoutSeconds string

@description('Put App Service Authentication (Easy Auth, Entra ID) in front of the app.')
param easyAuthEnabled bool = false
@description('Client id of the Entra app registration Easy Auth signs users in with.')
param easyAuthClientId string = ''
@description('Tenant of that app registration; empty = this deployment\'s tenant.')
param easyAuthTenantId string = ''
@description('The Parley tenant (integrator) that Easy Auth users belong to.')
param easyAuthUsersTenant string = 'default'

var secretRef = '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/'
var authTenant = empty(easyAuthTenantId) ? tenant().tenantId : easyAuthTenantId

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    // checkov:skip=CKV_AZURE_225:Flex Consumption has no zone-redundant option per plan in every region; instances are spread by the platform.
    // checkov:skip=CKV_AZURE_212:Instance count is elastic on Flex Consumption (maximumInstanceCount), not a fixed worker count.
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    // checkov:skip=CKV_AZURE_222:The API is public by design (browsers, integrators and LiveKit call it); every route authenticates its caller.
    // checkov:skip=CKV_AZURE_212:Flex Consumption scales instances elastically (maximumInstanceCount, alwaysReady); there is no fixed instance count.
    // checkov:skip=CKV_AZURE_213:Flex Consumption does not support the App Service health check feature; GET /api/health reports dependency state instead.
    // checkov:skip=CKV_AZURE_17:Client certificates are not used: callers authenticate with API keys, Entra tokens or LiveKit-signed webhooks.
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    publicNetworkAccess: 'Enabled'
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReadyInstances > 0 ? [
          {
            name: 'http'
            instanceCount: alwaysReadyInstances
          }
        ] : []
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

// Every key here is an environment variable of the app. Flex Consumption sets
// FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION itself (they are rejected here).
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // checkov:skip=CKV_AZURE_13:checkov evaluates this child config resource as if it were a whole site; the site is checked on `site`, and Easy Auth is the authsettingsV2 resource (by parameter).
    // checkov:skip=CKV_AZURE_63:Child config resource, not a site (see CKV_AZURE_13). HTTP logs of a Flex Consumption app go to Application Insights.
    // checkov:skip=CKV_AZURE_65:Child config resource, not a site (see CKV_AZURE_13). Detailed error pages are a Windows App Service feature.
    // checkov:skip=CKV_AZURE_66:Child config resource, not a site (see CKV_AZURE_13). Failed request tracing is a Windows App Service feature.
    // checkov:skip=CKV_AZURE_80:Child config resource, not a site (see CKV_AZURE_13). The app runs Python 3.11, not .NET.
    // checkov:skip=CKV_AZURE_88:Child config resource, not a site (see CKV_AZURE_13). The API keeps no files: state is in Cosmos DB and Blob Storage.
    // checkov:skip=CKV_AZURE_222:Child config resource, not a site (see CKV_AZURE_13); the site's own setting is justified on `site`.
    // Functions host: identity-based host storage (no connection string, no key).
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: blobEndpoint
    AzureWebJobsStorage__queueServiceUri: queueEndpoint
    AzureWebJobsStorage__tableServiceUri: tableEndpoint
    // Telemetry with an Entra token (App Insights has local auth disabled).
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // Parley API settings (functions.settings.ApiSettings).
    PARLEY_API_KEYS: '${secretRef}parley-api-keys)'
    PARLEY_AGENT_KEYS: '${secretRef}parley-agent-keys)'
    LIVEKIT_URL: livekitUrl
    LIVEKIT_API_KEY: '${secretRef}livekit-api-key)'
    LIVEKIT_API_SECRET: '${secretRef}livekit-api-secret)'
    AGENT_NAME: agentName
    TOKEN_TTL_SECONDS: string(tokenTtlSeconds)
    TOKEN_RATE_LIMIT_PER_MINUTE: string(tokenRateLimitPerMinute)
    EASY_AUTH_ENABLED: easyAuthEnabled ? 'true' : 'false'
    EASY_AUTH_TENANT: easyAuthUsersTenant
    COSMOS_ENDPOINT: cosmosEndpoint
    COSMOS_DATABASE: cosmosDatabase
    STORAGE_ACCOUNT_URL: blobEndpoint
    UPLOADS_CONTAINER: uploadsContainerName
    UPLOAD_MAX_BYTES: string(uploadMaxBytes)
    UPLOAD_ALLOWED_TYPES: uploadAllowedTypes
    UPLOAD_SAS_TTL_SECONDS: string(uploadSasTtlSeconds)
    REQUEST_TIMEOUT_SECONDS: requestTimeoutSeconds
    AZURE_CLIENT_ID: identityClientId
  }
}

// Easy Auth: signed-in users get `x-ms-client-principal`; anonymous requests still reach
// the app (API keys, LiveKit webhooks, health), which decides per route.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = if (easyAuthEnabled) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    // checkov:skip=CKV_AZURE_13:checkov evaluates this child config resource as if it were a whole site; the site is checked on `site`, and Easy Auth is the authsettingsV2 resource (by parameter).
    // checkov:skip=CKV_AZURE_63:Child config resource, not a site (see CKV_AZURE_13). HTTP logs of a Flex Consumption app go to Application Insights.
    // checkov:skip=CKV_AZURE_65:Child config resource, not a site (see CKV_AZURE_13). Detailed error pages are a Windows App Service feature.
    // checkov:skip=CKV_AZURE_66:Child config resource, not a site (see CKV_AZURE_13). Failed request tracing is a Windows App Service feature.
    // checkov:skip=CKV_AZURE_80:Child config resource, not a site (see CKV_AZURE_13). The app runs Python 3.11, not .NET.
    // checkov:skip=CKV_AZURE_88:Child config resource, not a site (see CKV_AZURE_13). The API keeps no files: state is in Cosmos DB and Blob Storage.
    // checkov:skip=CKV_AZURE_222:Child config resource, not a site (see CKV_AZURE_13); the site's own setting is justified on `site`.
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: easyAuthClientId
          openIdIssuer: 'https://login.microsoftonline.com/${authTenant}/v2.0'
        }
        validation: {
          allowedAudiences: [
            easyAuthClientId
            'api://${easyAuthClientId}'
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output url string = 'https://${site.properties.defaultHostName}'
