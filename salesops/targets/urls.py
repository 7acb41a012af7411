from django.urls import path

from salesops.targets import views, views_edit

app_name = "targets"

urlpatterns = [
    path("", views.my_targets, name="my"),
    path("team/", views.team, name="team"),
    path("tree/", views.tree, name="tree"),
    path("all/", views.target_list, name="target_list"),
    path("history/", views.history, name="history"),
    path("new/", views_edit.target_create, name="target_create"),
    path("propose/", views_edit.propose, name="propose"),
    path("results/new/", views_edit.manual_record, name="manual_record"),
    path("<int:pk>/", views.target_detail, name="target_detail"),
    path("<int:pk>/records/", views.target_records, name="target_records"),
    path("<int:pk>/edit/", views_edit.target_edit, name="target_edit"),
    path("<int:pk>/split/", views_edit.target_split, name="target_split"),
    path("<int:pk>/phase/", views_edit.target_phase, name="target_phase"),
    path("<int:pk>/approve/", views_edit.target_approve, name="target_approve"),
    path("<int:pk>/return/", views_edit.target_return, name="target_return"),
    path("<int:pk>/delete/", views_edit.target_delete, name="target_delete"),
    path("kpis/", views.kpi_list, name="kpi_list"),
    path("kpis/new/", views_edit.kpi_create, name="kpi_create"),
    path("kpis/<int:pk>/edit/", views_edit.kpi_edit, name="kpi_edit"),
    path("ramp/", views_edit.ramp_rules, name="ramp_rules"),
]
