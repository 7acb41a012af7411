"""CRM reads of the accounts area (every read starts from the actor's visible set)."""
