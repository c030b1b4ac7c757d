"""Cloud speech and language plugins, one module per provider; each imports its
livekit plugin only when a chain names it."""
