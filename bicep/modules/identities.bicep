// User-assigned managed identities: one per deployable, so each gets only its own roles.
param location string
param tags object
param apiIdentityName string
param agentIdentityName string

resource apiIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: apiIdentityName
  location: location
  tags: tags
}

resource agentIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: agentIdentityName
  location: location
  tags: tags
}

output apiIdentityId string = apiIdentity.id
output apiIdentityName string = apiIdentity.name
output apiPrincipalId string = apiIdentity.properties.principalId
output apiClientId string = apiIdentity.properties.clientId
output agentIdentityId string = agentIdentity.id
output agentIdentityName string = agentIdentity.name
output agentPrincipalId string = agentIdentity.properties.principalId
output agentClientId string = agentIdentity.properties.clientId
