"""Route policy of the CRM: the union of its areas' tables."""

from salesops.crm.permissions import accounts, contracts, sales

ROUTES = {**accounts.ROUTES, **sales.ROUTES, **contracts.ROUTES}
NAV = [*accounts.NAV, *sales.NAV, *contracts.NAV]
