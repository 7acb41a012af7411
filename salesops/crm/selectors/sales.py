"""CRM reads of the sales area (every read starts from the actor's visible set)."""
