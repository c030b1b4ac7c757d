"""Recovering a call whose worker died: leases and the watchdog (``liveness``), conversation
snapshots (``state``) and how the agent authenticates to Redis (``redis_auth``)."""
