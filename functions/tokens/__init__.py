"""LiveKit participant tokens and the agent dispatch they carry."""
