// Alerts for the operator: slow replies, provider failovers, API 5xx, agent restarts.
// One action group mails `alertEmail` (none when empty: the alerts still fire in the
// portal). Log alerts query App Insights with the metric names the agent exports
// (agent_app/observability/telemetry.py); a test holds them to those names.
param location string
param tags object
param applicationInsightsId string
@description('Name of the agent Container App (its RestartCount platform metric).')
param agentAppName string
@description('Who gets the alert mails; empty = no mail.')
param alertEmail string = ''
@description('Alert when the p95 voice-to-voice latency over 15 minutes exceeds this (ms).')
@minValue(100)
param voiceToVoiceP95ThresholdMs int = 1500
@description('Alert when more provider failovers than this happen in 15 minutes.')
@minValue(0)
param failoverThreshold int = 5
@description('Alert when more than this percentage of API requests answer 5xx over 15 minutes (at least 20 requests).')
@minValue(1)
@maxValue(100)
param api5xxPercentThreshold int = 5
@description('Alert when an agent replica has restarted more than this many times.')
@minValue(0)
param agentRestartThreshold int = 3

resource agentApp 'Microsoft.App/containerApps@2024-03-01' existing = {
  name: agentAppName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-parley-${uniqueString(resourceGroup().id)}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'parley'
    enabled: true
    emailReceivers: empty(alertEmail) ? [] : [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var logAlerts = [
  {
    name: 'voice-to-voice-p95'
    description: 'p95 voice-to-voice latency (end of user speech to first agent audio) is above ${voiceToVoiceP95ThresholdMs} ms.'
    severity: 2
    query: 'customMetrics | where name == "parley.agent.e2e_latency" and valueCount > 0 | summarize p95_ms = 1000 * percentilew(valueSum / valueCount, valueCount, 95)'
    column: 'p95_ms'
    threshold: voiceToVoiceP95ThresholdMs
  }
  {
    name: 'provider-failovers'
    description: 'More than ${failoverThreshold} provider failovers in 15 minutes: a speech or language provider is failing.'
    severity: 2
    query: 'customMetrics | where name == "parley.agent.provider_failovers" | summarize failovers = sum(valueSum)'
    column: 'failovers'
    threshold: failoverThreshold
  }
  {
    name: 'api-5xx-rate'
    description: 'More than ${api5xxPercentThreshold}% of API requests answered 5xx in 15 minutes.'
    severity: 1
    query: 'requests | where url has "/api/" | summarize total = count(), errors = countif(toint(resultCode) >= 500) | where total >= 20 | extend error_percent = 100.0 * errors / total'
    column: 'error_percent'
    threshold: api5xxPercentThreshold
  }
]

resource logAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for alert in logAlerts: {
  name: 'alert-parley-${alert.name}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Parley: ${alert.name}'
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [
      applicationInsightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: alert.query
          timeAggregation: 'Maximum'
          metricMeasureColumn: alert.column
          operator: 'GreaterThan'
          threshold: alert.threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}]

resource restartAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-parley-agent-restarts'
  location: 'global'
  tags: tags
  properties: {
    description: 'An agent replica restarted more than ${agentRestartThreshold} times: the worker is crashing (see the Container App system logs).'
    severity: 1
    enabled: true
    autoMitigate: true
    scopes: [
      agentApp.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT30M'
    targetResourceType: 'Microsoft.App/containerApps'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'RestartCount'
          metricNamespace: 'Microsoft.App/containerApps'
          metricName: 'RestartCount'
          timeAggregation: 'Maximum'
          operator: 'GreaterThan'
          threshold: agentRestartThreshold
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

output actionGroupId string = actionGroup.id
