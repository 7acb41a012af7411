"""Routes of the CRM contracts area (each one is named in crm/permissions/contracts.py)."""

from django.urls import URLPattern, path

from salesops.crm.views import contracts as views

urlpatterns: list[URLPattern] = [
    path("contracts/", views.contract_list, name="contract_list"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/submit/", views.contract_submit, name="contract_submit"),
    path("contracts/<int:pk>/reopen/", views.contract_reopen, name="contract_reopen"),
    path("contracts/<int:pk>/approve/", views.contract_approve, name="contract_approve"),
    path("contracts/<int:pk>/reject/", views.contract_reject, name="contract_reject"),
    path("contracts/<int:pk>/hand-off/", views.contract_hand_off, name="contract_hand_off"),
    path("contracts/<int:pk>/payments/new/", views.payment_create, name="payment_create"),
    path("payments/", views.payment_list, name="payment_list"),
    path("approvals/", views.approval_inbox, name="approval_inbox"),
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/new/", views.partner_create, name="partner_create"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/edit/", views.partner_edit, name="partner_edit"),
    path("partners/<int:pk>/agreements/new/", views.agreement_create, name="agreement_create"),
]
