"""Org background tasks (none yet: org changes are immediate and audited by the services)."""
