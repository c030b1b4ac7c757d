// Optional self-hosted LiveKit server on Azure Container Instances (one node).
//
// WebRTC media needs UDP, which Container Apps ingress cannot carry; ACI gives the
// container group a public IP with TCP and UDP ports. LiveKit multiplexes all media on
// one UDP port (rtc.udp_port) with ICE/TCP as the fallback, and Caddy terminates TLS
// for the signalling WebSocket with an automatic certificate for the ACI DNS name.
// A single node keeps its room state in memory, so no Redis is needed; a multi-node
// cluster needs Redis for routing (see docs/deploy.md, "Self-hosting LiveKit").
param location string
param tags object
param name string
@description('DNS label: the server is reachable at wss://<label>.<region>.azurecontainer.io.')
param dnsNameLabel string
param livekitImage string = 'livekit/livekit-server:v1.11.0'
param caddyImage string = 'caddy:2.8'
@description('vCPU for the LiveKit container (about 1 vCPU per 50-100 audio-only participants).')
param cpu int = 2
param memoryInGB int = 4
@secure()
param livekitApiKey string
@secure()
param livekitApiSecret string
@description('Where LiveKit posts room and participant events (the Parley API webhook route).')
param webhookUrl string

var fqdn = '${dnsNameLabel}.${location}.azurecontainer.io'
var tcpPort = 7881
var udpPort = 7882
// JSON is valid YAML: livekit-server reads this from LIVEKIT_CONFIG.
var livekitConfig = {
  port: 7880
  rtc: {
    tcp_port: tcpPort
    udp_port: udpPort
    use_external_ip: true
  }
  webhook: {
    api_key: livekitApiKey
    urls: [
      webhookUrl
    ]
  }
  logging: {
    level: 'info'
  }
}

resource group 'Microsoft.ContainerInstance/containerGroups@2023-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    osType: 'Linux'
    restartPolicy: 'Always'
    sku: 'Standard'
    ipAddress: {
      type: 'Public'
      dnsNameLabel: dnsNameLabel
      ports: [
        {
          port: 80
          protocol: 'TCP'
        }
        {
          port: 443
          protocol: 'TCP'
        }
        {
          port: tcpPort
          protocol: 'TCP'
        }
        {
          port: udpPort
          protocol: 'UDP'
        }
      ]
    }
    containers: [
      {
        name: 'livekit'
        properties: {
          image: livekitImage
          ports: [
            {
              port: tcpPort
              protocol: 'TCP'
            }
            {
              port: udpPort
              protocol: 'UDP'
            }
          ]
          environmentVariables: [
            {
              name: 'LIVEKIT_CONFIG'
              value: string(livekitConfig)
            }
            {
              name: 'LIVEKIT_KEYS'
              secureValue: '${livekitApiKey}: ${livekitApiSecret}'
            }
          ]
          resources: {
            requests: {
              cpu: cpu
              memoryInGB: memoryInGB
            }
          }
        }
      }
      {
        name: 'caddy'
        properties: {
          image: caddyImage
          command: [
            'caddy'
            'reverse-proxy'
            '--from'
            fqdn
            '--to'
            'localhost:7880'
          ]
          ports: [
            {
              port: 80
              protocol: 'TCP'
            }
            {
              port: 443
              protocol: 'TCP'
            }
          ]
          resources: {
            requests: {
              cpu: json('0.5')
              memoryInGB: json('0.5')
            }
          }
        }
      }
    ]
  }
}

output url string = 'wss://${fqdn}'
output fqdn string = fqdn
output publicIp string = group.properties.ipAddress.ip
