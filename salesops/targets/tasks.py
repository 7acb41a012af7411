"""Targets background tasks (none yet: attainment is computed live, set-based, on every read)."""
