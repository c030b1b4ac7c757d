# The SIP bridge (livekit-sip), pinned and built from the Go module proxy into .tools/bin.
# Needs system-deps first (cgo libraries); the build runs once (stamp file).
.PHONY: livekit-sip
livekit-sip: system-deps ## build the pinned livekit-sip bridge into .tools/bin
	@bash scripts/install-livekit-sip.sh

DEPS += livekit-sip

.PHONY: bench-phone
bench-phone: deps ## phone call set-up over real SIP (baresip → livekit-sip → agent), p50/p95 of 20 calls
	$(PY) -m bench.phone_setup
