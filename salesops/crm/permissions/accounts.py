"""Route policy and menu entries of the CRM accounts area: customers, contacts, leads, the
shared pool, tier service standards, pool rules and imports.

Sales pages are for the sales roles and administrators; HR and finance see no CRM accounts.
Who may act on which record is decided by visibility (404) and the services' rules.
"""

from django.utils.translation import gettext_lazy as _

from salesops.core.nav import NavItem
from salesops.core.policy import Access, roles

# Everyone who works with customers and leads (and administrators, who see all).
SALES = roles(
    "rep", "supervisor", "manager", "senior_manager", "director", "channel_manager", "admin"
)
# Who may take records from the pool for themselves: the sales roles.
CLAIMERS = SALES - {"admin"}
# Who assigns and transfers records within their subtree, and merges duplicates.
LEADERS = roles("supervisor", "manager", "senior_manager", "director", "admin")
ADMIN = roles("admin")

ROUTES = {
    # customers and contacts
    "crm:customer_list": Access(SALES),
    "crm:customer_create": Access(SALES, writes=True),
    # the customer picker's suggestions (deal, activity and lead conversion forms)
    "crm:customer_picker": Access(SALES),
    "crm:customer_detail": Access(SALES, obj="customer"),
    "crm:customer_edit": Access(SALES, obj="customer", writes=True),
    "crm:customer_assign": Access(LEADERS, obj="customer", writes=True),
    "crm:customer_claim": Access(CLAIMERS, obj="customer", writes=True),
    "crm:customer_release": Access(SALES, obj="customer", writes=True),
    "crm:customer_merge": Access(LEADERS, obj="customer", writes=True),
    "crm:contact_create": Access(SALES, obj="customer", writes=True),
    "crm:contact_edit": Access(SALES, obj="contact", writes=True),
    "crm:contact_delete": Access(SALES, obj="contact", writes=True),
    # configuration
    "crm:tier_list": Access(SALES),
    "crm:tier_edit": Access(ADMIN, obj="tier", writes=True),
    "crm:pool_settings": Access(ADMIN, writes=True),
    # leads and the pool
    "crm:lead_list": Access(SALES),
    "crm:lead_create": Access(SALES, writes=True),
    "crm:lead_picker": Access(SALES),  # the lead picker's suggestions (activity form)
    "crm:lead_detail": Access(SALES, obj="lead"),
    "crm:lead_edit": Access(SALES, obj="lead", writes=True),
    "crm:lead_qualify": Access(SALES, obj="lead", writes=True),
    "crm:lead_disqualify": Access(SALES, obj="lead", writes=True),
    "crm:lead_convert": Access(SALES, obj="lead", writes=True),
    "crm:lead_claim": Access(CLAIMERS, obj="lead", writes=True),
    "crm:lead_release": Access(SALES, obj="lead", writes=True),
    "crm:lead_assign": Access(LEADERS, obj="lead", writes=True),
    "crm:pool": Access(SALES),
    "crm:pool_customers": Access(SALES),
    # imports
    "crm:import": Access(SALES, writes=True),
    "crm:import_template": Access(SALES),
    # API operations
    "api:crm_customer_list": Access(SALES),
    "api:crm_customer_get": Access(SALES, obj="customer"),
    "api:crm_customer_create": Access(SALES, writes=True),
    "api:crm_customer_update": Access(SALES, obj="customer", writes=True),
    "api:crm_contact_list": Access(SALES, obj="customer"),
    "api:crm_contact_create": Access(SALES, obj="customer", writes=True),
    "api:crm_lead_list": Access(SALES),
    "api:crm_lead_get": Access(SALES, obj="lead"),
    "api:crm_lead_create": Access(SALES, writes=True),
    "api:crm_lead_update": Access(SALES, obj="lead", writes=True),
    "api:crm_lead_claim": Access(CLAIMERS, obj="lead", writes=True),
    "api:crm_lead_convert": Access(SALES, obj="lead", writes=True),
}

NAV = [
    NavItem(_("Customers"), "crm:customer_list", "building", 100),
    NavItem(_("Leads"), "crm:lead_list", "target-arrow", 105),
    NavItem(_("Lead pool"), "crm:pool", "inbox", 110),
    NavItem(_("Tier standards"), "crm:tier_list", "stars", 370),
    NavItem(_("Import"), "crm:import", "file-import", 380),
    NavItem(_("Pool rules"), "crm:pool_settings", "settings", 390),
]
