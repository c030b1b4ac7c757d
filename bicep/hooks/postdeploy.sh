#!/bin/sh
# azd postdeploy hook: subscribe the Functions blob trigger (source: EventGrid) to
# BlobCreated events in the `uploads` container. The webhook URL carries the Function
# App's `blobs_extension` system key, which exists only after the code is deployed and
# the host has started, so this cannot live in the Bicep. Idempotent (create = upsert).
set -eu

value() { azd env get-value "$1" 2>/dev/null || true; }

rg=$(value AZURE_RESOURCE_GROUP)
app=$(value AZURE_FUNCTION_APP_NAME)
topic=$(value AZURE_EVENT_GRID_SYSTEM_TOPIC_NAME)
api_uri=$(value SERVICE_API_URI)
container=$(value UPLOADS_CONTAINER)
# The Python function's name in function_app.py (def upload_landed).
function_name=${UPLOAD_FUNCTION_NAME:-upload_landed}

if [ -z "$rg" ] || [ -z "$app" ] || [ -z "$topic" ]; then
  echo "postdeploy: no provisioned environment found; run 'azd provision' first" >&2
  exit 1
fi
command -v az >/dev/null 2>&1 || {
  echo "postdeploy: the Azure CLI (az) is required to create the Event Grid subscription" >&2
  exit 1
}

key=""
attempt=0
while [ -z "$key" ] && [ "$attempt" -lt 20 ]; do
  key=$(az functionapp keys list -g "$rg" -n "$app" --query systemKeys.blobs_extension -o tsv 2>/dev/null || true)
  if [ -z "$key" ]; then
    attempt=$((attempt + 1))
    echo "postdeploy: waiting for the blobs_extension key (host starting, try $attempt/20)"
    sleep 15
  fi
done
if [ -z "$key" ]; then
  echo "postdeploy: the Function App has no blobs_extension key; is the blob trigger deployed?" >&2
  exit 1
fi

endpoint="${api_uri}/runtime/webhooks/blobs?functionName=Host.Functions.${function_name}&code=${key}"
az eventgrid system-topic event-subscription create \
  --name uploads-blob-created \
  --resource-group "$rg" \
  --system-topic-name "$topic" \
  --endpoint-type webhook \
  --endpoint "$endpoint" \
  --included-event-types Microsoft.Storage.BlobCreated \
  --subject-begins-with "/blobServices/default/containers/${container:-uploads}/" \
  --max-delivery-attempts 30 \
  --event-ttl 1440 \
  --output none
echo "postdeploy: Event Grid delivers BlobCreated in '${container:-uploads}' to ${function_name}"
