"""Speech and language providers: cloud plugins, offline fallbacks, and the factory."""
