"""Routes of the CRM sales area (policies in crm/permissions/sales.py)."""

from django.urls import URLPattern, path

from salesops.crm.views import sales as views

urlpatterns: list[URLPattern] = [
    path("products/", views.product_list, name="product_list"),
    path("stages/", views.stage_list, name="stage_list"),
    path("opportunities/", views.opportunity_list, name="opportunity_list"),
    path("opportunities/new/", views.opportunity_create, name="opportunity_create"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:pk>/move/", views.opportunity_move, name="opportunity_move"),
    path(
        "opportunities/<int:pk>/lines/new/",
        views.opportunity_line_add,
        name="opportunity_line_add",
    ),
    path(
        "opportunity-lines/<int:pk>/edit/",
        views.opportunity_line_edit,
        name="opportunity_line_edit",
    ),
    path(
        "opportunity-lines/<int:pk>/remove/",
        views.opportunity_line_remove,
        name="opportunity_line_remove",
    ),
    path("pipeline/", views.pipeline_board, name="pipeline_board"),
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/mine/", views.my_activities, name="my_activities"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/complete/", views.activity_complete, name="activity_complete"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="activity_cancel"),
    path("sales-import/", views.sales_import, name="sales_import"),
    path("sales-import/template/", views.sales_import_template, name="sales_import_template"),
]
