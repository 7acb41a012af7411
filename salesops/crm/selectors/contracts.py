"""CRM reads of the contracts area (every read starts from the actor's visible set)."""
