#!/usr/bin/env bash
# `make up`'s SIP bridge: livekit-sip on loopback (SIP_PORT, SIP_RTP_PORTS), and the
# default tenant's dev number (SIP_DEV_NUMBER) registered once the API answers.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIP_PORT="${SIP_PORT:-5060}"
SIP_RTP_PORTS="${SIP_RTP_PORTS:-10000-10100}"
RUN_DIR="${PARLEY_RUN_DIR:-$ROOT/.run}"
config="$RUN_DIR/livekit-sip.yaml"
mkdir -p "$RUN_DIR"
cat >"$config" <<YAML
api_key: ${LIVEKIT_API_KEY}
api_secret: ${LIVEKIT_API_SECRET}
ws_url: ${LIVEKIT_URL}
redis:
  address: 127.0.0.1:${PARLEY_REDIS_PORT:-6379}
sip_port: ${SIP_PORT}
rtp_port: ${SIP_RTP_PORTS}
# local-IP detection skips loopback: announce 127.0.0.1 in SDP and Contact
nat_1_to_1_ip: 127.0.0.1
use_external_ip: false
logging:
  level: info
YAML
chmod 600 "$config"
# livekit-sip exits when Redis does not answer at start: give Redis up to 30 s to come up
for _ in $(seq 60); do
  (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break
  sleep 0.5
done
"$ROOT/.venv/bin/python" -m scripts.dev_number &
exec "$ROOT/.tools/bin/livekit-sip" --config "$config"
