"""CRM API: accounts."""

from salesops.crm.api.router import router

__all__ = ["router"]
