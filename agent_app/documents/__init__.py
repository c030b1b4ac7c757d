"""Documents the user shares: received over the room (``intake``), searched (``search``)."""
