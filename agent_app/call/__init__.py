"""One call: its plan (``plan``), the job that carries it out (``job``), the session it
runs (``session``), the agent (``assistant``) and the record it leaves (``conversation``,
``transcripts``, ``room_events``)."""
