#!/usr/bin/env bash
# Installs the Debian packages Parley's local stack and tests use, only when missing.
set -euo pipefail
need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v chromium >/dev/null || need+=(chromium)
command -v espeak-ng >/dev/null || need+=(espeak-ng)
command -v sox >/dev/null || need+=(sox)
# the test caller's voice (a second natural voice, unlike the agent's Piper voice)
command -v text2wave >/dev/null || need+=(festival)
[ -d /usr/share/festival/voices/us/cmu_us_slt_arctic_hts ] || need+=(festvox-us-slt-hts)
# livekit-sip is built with cgo against these (scripts/install-livekit-sip.sh)
dpkg -s libopus-dev >/dev/null 2>&1 || need+=(libopus-dev)
dpkg -s libopusfile-dev >/dev/null 2>&1 || need+=(libopusfile-dev)
dpkg -s libsoxr-dev >/dev/null 2>&1 || need+=(libsoxr-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
# the softphone the SIP tests dial with
command -v baresip >/dev/null || need+=(baresip)
[ ${#need[@]} -eq 0 ] && exit 0
echo "==> installing Debian packages: ${need[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
