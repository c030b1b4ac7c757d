"""What every feature uses: auth, Azure and LiveKit clients, Cosmos helpers, domain errors."""
