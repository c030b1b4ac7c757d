"""Speech-to-speech models (``REALTIME_PROVIDERS``): one module a provider, and the chain."""
