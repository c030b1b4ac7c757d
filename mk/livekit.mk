# The LiveKit server, pinned and built from the Go module proxy into .tools/bin.
.PHONY: livekit-server
livekit-server: ## install the pinned livekit-server into .tools/bin
	@bash scripts/install-livekit.sh

DEPS += livekit-server
