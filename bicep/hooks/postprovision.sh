#!/bin/sh
# azd postprovision hook: write `.env` at the repository root so `make up` runs the
# local API and agent against the Azure resources just provisioned (keyless: your
# `az login` identity got data roles on Cosmos DB, Storage, Redis, AI and Key Vault).
# Delete `.env` to go back to the local emulators.
set -eu
cd "$(dirname "$0")/../.."

values=$(mktemp)
trap 'rm -f "$values"' EXIT
azd env get-values > "$values"

# Read one value from `azd env get-values` output (KEY="value" lines).
get() {
  sed -n "s/^$1=\"\(.*\)\"\$/\1/p" "$values" | head -n 1
}

if [ -f .env ] && ! grep -q '^# Written by bicep/hooks/postprovision.sh' .env; then
  cp .env .env.bak
  echo "postprovision: kept your previous .env as .env.bak"
fi

vault=$(get AZURE_KEY_VAULT_NAME)
secret() {
  # Key Vault secrets need the Azure CLI (signed in as the deployer, Secrets Officer).
  if command -v az >/dev/null 2>&1 && [ -n "$vault" ]; then
    az keyvault secret show --vault-name "$vault" --name "$1" --query value -o tsv 2>/dev/null || true
  fi
}

principal=$(get AZURE_PRINCIPAL_ID)
redis_host=$(get REDIS_HOST)
redis_url=""
if [ -n "$redis_host" ] && [ -n "$principal" ]; then
  redis_url="rediss://${principal}@${redis_host}:10000"
fi

umask 077
{
  echo "# Written by bicep/hooks/postprovision.sh for azd environment '$(get AZURE_ENV_NAME)'."
  echo "# Overrides dev.env for \`make up\`; delete this file to use the local emulators again."
  echo "LIVEKIT_URL=$(get LIVEKIT_URL)"
  echo "LIVEKIT_API_KEY=$(secret livekit-api-key)"
  echo "LIVEKIT_API_SECRET=$(secret livekit-api-secret)"
  echo "AGENT_NAME=$(get AGENT_NAME)"
  echo "COSMOS_ENDPOINT=$(get COSMOS_ENDPOINT)"
  echo "COSMOS_DATABASE=$(get COSMOS_DATABASE)"
  echo "STORAGE_ACCOUNT_URL=$(get STORAGE_ACCOUNT_URL)"
  echo "UPLOADS_CONTAINER=$(get UPLOADS_CONTAINER)"
  echo "REDIS_URL=${redis_url}"
  echo "AZURE_OPENAI_ENDPOINT=$(get AZURE_OPENAI_ENDPOINT)"
  echo "AZURE_OPENAI_DEPLOYMENT=$(get AZURE_OPENAI_DEPLOYMENT)"
  echo "AZURE_SPEECH_REGION=$(get AZURE_SPEECH_REGION)"
  echo "AZURE_SPEECH_ENDPOINT=$(get AZURE_SPEECH_ENDPOINT)"
  echo "AZURE_SPEECH_RESOURCE_ID=$(get AZURE_SPEECH_RESOURCE_ID)"
  echo "APPLICATIONINSIGHTS_CONNECTION_STRING=$(get APPLICATIONINSIGHTS_CONNECTION_STRING)"
  echo "# Local-emulator settings switched off (empty = unset):"
  echo "COSMOS_KEY="
  echo "STORAGE_CONNECTION_STRING="
  echo "STORAGE_PUBLIC_URL="
} > .env

echo "postprovision: wrote .env for \`make up\` against $(get AZURE_RESOURCE_GROUP)"
