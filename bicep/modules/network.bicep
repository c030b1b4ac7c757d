// Virtual network for the Container Apps environment. Only deployed when the
// environment is zone redundant, which Azure allows only on a custom VNet.
param location string
param tags object
param name string
param addressPrefix string = '10.40.0.0/16'
@description('Workload-profiles environments need at least a /27 subnet delegated to Microsoft.App/environments.')
param infrastructureSubnetPrefix string = '10.40.0.0/23'

resource vnet 'Microsoft.Network/virtualNetworks@2024-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'container-apps'
        properties: {
          addressPrefix: infrastructureSubnetPrefix
          delegations: [
            {
              name: 'containerapps'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
    ]
  }
}

output infrastructureSubnetId string = '${vnet.id}/subnets/container-apps'
