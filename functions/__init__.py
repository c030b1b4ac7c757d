"""Parley's HTTP API: tokens, LiveKit webhooks, sessions, transcripts and uploads."""
