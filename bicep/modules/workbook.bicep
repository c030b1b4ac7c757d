// The operator's App Insights workbook: voice-to-voice p50/p95, per-stage latency, calls
// per hour, recovered calls, failovers by provider, API errors, agent replicas.
// The queries live in workbook.json (a test holds them to the metric names the agent
// and API export); the resource ids are filled in here.
param location string
param tags object
param applicationInsightsId string
@description('Name of the agent Container App (its Replicas and RestartCount platform metrics).')
param agentAppName string
param displayName string = 'Parley operations'

resource agentApp 'Microsoft.App/containerApps@2024-03-01' existing = {
  name: agentAppName
}

var template = loadTextContent('workbook.json')
var serialized = replace(replace(template, '__AGENT_APP_ID__', agentApp.id), '__APP_INSIGHTS_ID__', applicationInsightsId)

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // a workbook's name must be a GUID; stable per resource group so redeploys update it
  name: guid(resourceGroup().id, 'parley-operations-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: applicationInsightsId
    serializedData: serialized
    version: 'Notebook/1.0'
  }
}

output id string = workbook.id
