"""CRM writes of the accounts area: customers, contacts, leads, the lead pool, merges."""
