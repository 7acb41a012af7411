"""CRM API: contracts."""

from salesops.crm.api.router import router

__all__ = ["router"]
