"""Routes of the CRM accounts area (policies in crm/permissions/accounts.py)."""

from django.urls import URLPattern, path

from salesops.crm.views import accounts as views
from salesops.crm.views import accounts_leads as leads

urlpatterns: list[URLPattern] = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/picker/", views.customer_picker, name="customer_picker"),
    path("customers/<int:pk>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("customers/<int:pk>/assign/", views.customer_assign, name="customer_assign"),
    path("customers/<int:pk>/claim/", views.customer_claim, name="customer_claim"),
    path("customers/<int:pk>/release/", views.customer_release, name="customer_release"),
    path("customers/<int:pk>/merge/", views.customer_merge, name="customer_merge"),
    path("customers/<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("tiers/", views.tier_list, name="tier_list"),
    path("tiers/<int:pk>/edit/", views.tier_edit, name="tier_edit"),
    path("pool/rules/", views.pool_settings, name="pool_settings"),
    path("leads/", leads.lead_list, name="lead_list"),
    path("leads/new/", leads.lead_create, name="lead_create"),
    path("leads/picker/", leads.lead_picker, name="lead_picker"),
    path("leads/<int:pk>/", leads.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", leads.lead_edit, name="lead_edit"),
    path("leads/<int:pk>/qualify/", leads.lead_qualify, name="lead_qualify"),
    path("leads/<int:pk>/disqualify/", leads.lead_disqualify, name="lead_disqualify"),
    path("leads/<int:pk>/convert/", leads.lead_convert, name="lead_convert"),
    path("leads/<int:pk>/claim/", leads.lead_claim, name="lead_claim"),
    path("leads/<int:pk>/release/", leads.lead_release, name="lead_release"),
    path("leads/<int:pk>/assign/", leads.lead_assign, name="lead_assign"),
    path("pool/", leads.pool_page, name="pool"),
    path("pool/customers/", leads.pool_page, {"kind": "customers"}, name="pool_customers"),
    path("import/", leads.import_page, name="import"),
    path("import/template.csv", leads.import_template, name="import_template"),
]
