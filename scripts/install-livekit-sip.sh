#!/usr/bin/env bash
# Builds the pinned livekit-sip bridge into .tools/bin (skipped when already there).
# The module proxy refuses livekit/sip's version list (403), so `go install …@VERSION`
# alone fails; downloading the exact version first and letting `go install` read the
# local module cache before the proxy works. cgo: libopus, libopusfile, libsoxr.
set -euo pipefail
VERSION="${LIVEKIT_SIP_VERSION:-v1.8.0}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/.tools/bin"
TARGET="$BIN/livekit-sip"
STAMP="$BIN/.livekit-sip-$VERSION"
if [ -x "$TARGET" ] && [ -f "$STAMP" ]; then
  exit 0
fi
command -v go >/dev/null || { echo "Go is required to build livekit-sip" >&2; exit 1; }
for lib in opus opusfile soxr; do
  pkg-config --exists "$lib" || {
    echo "livekit-sip needs lib$lib-dev: run 'make system-deps'" >&2
    exit 1
  }
done
echo "==> building livekit-sip $VERSION (first run only, ~4 min on 2 cores)"
mkdir -p "$BIN"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go mod download -json "github.com/livekit/sip@$VERSION" >/dev/null
cache="$(go env GOMODCACHE)/cache/download"
proxy="$(go env GOPROXY)"
GOBIN="$tmp" GOFLAGS=-mod=mod GOPROXY="file://$cache,$proxy" \
  go install "github.com/livekit/sip/cmd/livekit-sip@$VERSION"
mv "$tmp/livekit-sip" "$TARGET"
rm -f "$BIN"/.livekit-sip-v*
touch "$STAMP"
echo "==> livekit-sip $VERSION in $TARGET"
