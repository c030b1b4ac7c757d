"""Phone calls: tenant-owned numbers kept in step with LiveKit's SIP trunks and rules."""
