#!/usr/bin/env bash
# Installs the pinned LiveKit server into .tools/bin (skipped when already there).
# v1.13.x cannot be installed with `go install`: its go.mod replaces pion modules with
# forks whose versions the Go module proxy does not serve (403). v1.11.0 builds cleanly.
set -euo pipefail
VERSION="${LIVEKIT_SERVER_VERSION:-v1.11.0}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/.tools/bin"
TARGET="$BIN/livekit-server"
if [ -x "$TARGET" ] && "$TARGET" --version 2>/dev/null | grep -q "${VERSION#v}"; then
  exit 0
fi
command -v go >/dev/null || { echo "Go is required to install livekit-server" >&2; exit 1; }
echo "==> building livekit-server $VERSION with go install (first run only, ~1-3 min)"
mkdir -p "$BIN"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" GOFLAGS=-mod=mod go install "github.com/livekit/livekit-server/cmd/server@$VERSION"
mv "$tmp/server" "$TARGET"
"$TARGET" --version
