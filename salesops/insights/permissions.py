"""Route policy and menu entries of dashboards, funnel, forecast and alerts.

Every insights page is sales data: the sales roles and administrators open them, HR and finance
do not. Which records a page shows is decided by the records' own visibility (a person sees
their own, a leader their subtree); a unit or person asked for in the query string must be one
the viewer leads or sees, or the page answers 404.
"""

from django.utils.translation import gettext_lazy as _

from salesops.core.nav import NavItem
from salesops.core.policy import Access, roles
from salesops.org.roles import SALES_ROLES, Role

SALES = roles(*SALES_ROLES, Role.ADMIN)
LEADERS = roles(Role.SUPERVISOR, Role.MANAGER, Role.SENIOR_MANAGER, Role.DIRECTOR, Role.ADMIN)
MANAGERS = roles(Role.MANAGER, Role.SENIOR_MANAGER, Role.DIRECTOR, Role.ADMIN)
ADMIN = roles(Role.ADMIN)

ROUTES: dict[str, Access] = {
    "insights:rep": Access(SALES),
    "insights:team": Access(LEADERS),
    "insights:managers": Access(MANAGERS),
    "insights:funnel": Access(SALES),
    "insights:drill": Access(SALES),
    # the lens toolbar's person search box (a unit with more people than a list shows)
    "insights:person_picker": Access(LEADERS),
    "insights:forecast": Access(SALES),
    "insights:forecast_category": Access(SALES, obj="opportunity", writes=True),
    "insights:forecast_adjust": Access(LEADERS, obj="unit", writes=True),
    "insights:inbox": Access(SALES),
    "insights:alert_detail": Access(SALES, obj="alert"),
    "insights:alert_acknowledge": Access(SALES, obj="alert", writes=True),
    "insights:alert_snooze": Access(SALES, obj="alert", writes=True),
    "insights:rule_list": Access(ADMIN),
    "insights:rule_edit": Access(ADMIN, obj="alert rule", writes=True),
    "insights:scan_run": Access(ADMIN, writes=True),
    # API operations
    "api:insights_alert_list": Access(SALES),
    "api:insights_alert_acknowledge": Access(SALES, obj="alert", writes=True),
    "api:insights_alert_snooze": Access(SALES, obj="alert", writes=True),
    "api:insights_funnel_summary": Access(SALES),
    "api:insights_forecast_rollup": Access(SALES),
    "api:insights_forecast_adjust": Access(LEADERS, writes=True),
    "api:insights_forecast_category_set": Access(SALES, obj="opportunity", writes=True),
    "api:insights_manager_table": Access(MANAGERS),
}

NAV: list[NavItem] = [
    NavItem(_("My dashboard"), "insights:rep", "gauge", 10),
    NavItem(_("Team dashboard"), "insights:team", "users-group", 15),
    NavItem(_("My managers"), "insights:managers", "chart-bar", 20),
    NavItem(_("Funnel analysis"), "insights:funnel", "filter", 25),
    NavItem(_("Forecast"), "insights:forecast", "crystal-ball", 30),
    NavItem(_("Alerts"), "insights:inbox", "bell", 35),
    NavItem(_("Alert rules"), "insights:rule_list", "adjustments-alt", 440),
]
