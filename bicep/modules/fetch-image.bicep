// The image an existing container app runs, so re-provisioning keeps the deployed
// agent instead of resetting it to the placeholder (azd sets SERVICE_AGENT_RESOURCE_EXISTS).
param exists bool
param name string

resource existingApp 'Microsoft.App/containerApps@2024-03-01' existing = if (exists) {
  name: name
}

output image string = exists ? existingApp.properties.template.containers[0].image : ''
