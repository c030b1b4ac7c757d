"""Uploads: SAS tickets, the one processor, blob-trigger events and document inspection."""
