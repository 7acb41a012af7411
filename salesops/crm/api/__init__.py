"""CRM API: one router; each area module adds its operations to it."""

from salesops.crm.api import accounts, contracts, sales  # noqa: F401  (registers operations)
from salesops.crm.api.router import router

__all__ = ["router"]
