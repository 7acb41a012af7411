from django.urls import path

from salesops.insights.views import alerts, analysis, common, dashboards, forecast

app_name = "insights"

urlpatterns = [
    path("", dashboards.rep, name="rep"),
    path("team/", dashboards.team, name="team"),
    path("managers/", dashboards.managers, name="managers"),
    path("funnel/", analysis.funnel, name="funnel"),
    path("records/", analysis.drill, name="drill"),
    path("people/picker/", common.person_picker, name="person_picker"),
    path("forecast/", forecast.forecast, name="forecast"),
    path("forecast/deals/<int:pk>/category/", forecast.category, name="forecast_category"),
    path("forecast/units/<int:unit_id>/adjust/", forecast.adjust, name="forecast_adjust"),
    path("alerts/", alerts.inbox, name="inbox"),
    path("alerts/<int:pk>/", alerts.detail, name="alert_detail"),
    path("alerts/<int:pk>/acknowledge/", alerts.acknowledge, name="alert_acknowledge"),
    path("alerts/<int:pk>/snooze/", alerts.snooze, name="alert_snooze"),
    path("alerts/rules/", alerts.rule_list, name="rule_list"),
    path("alerts/rules/<int:pk>/", alerts.rule_edit, name="rule_edit"),
    path("alerts/scan/", alerts.scan_run, name="scan_run"),
]
