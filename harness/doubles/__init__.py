"""Test doubles: local servers that speak the cloud providers' and the Parley API's wire
protocols (``servers``), and in-process audio I/O for an AgentSession (``audio_io``)."""
