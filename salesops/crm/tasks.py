"""CRM background tasks."""
