"""CRM routes, one module per area; every route is named in crm/permissions."""

from salesops.crm.urls import accounts, contracts, sales

app_name = "crm"

urlpatterns = [*accounts.urlpatterns, *sales.urlpatterns, *contracts.urlpatterns]
