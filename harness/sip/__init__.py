"""Phone calls in tests: the livekit-sip bridge beside a LiveKit server with Redis, and
baresip softphones driven over their TCP control socket."""
