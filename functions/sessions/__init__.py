"""Sessions: the webhook lifecycle fold, its store, transcripts and agent recovery."""
