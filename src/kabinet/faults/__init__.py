"""The fault suite (tests only): real servers and workers, killed, restarted and starved (docs/reliability.md)."""
