"""Parley's LiveKit agent worker: voice pipeline, tools, transcripts and session state."""
