"""Route policy and menu entries of dashboards, funnel, forecast and alerts."""

from salesops.core.nav import NavItem
from salesops.core.policy import Access

ROUTES: dict[str, Access] = {}
NAV: list[NavItem] = []
