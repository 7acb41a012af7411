"""Insights in the Django admin: rules are tuned on the rules page; the rest is read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from salesops.insights.models import Alert, AlertDelivery, AlertRule, ForecastAdjustment


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(AlertRule)
class AlertRuleAdmin(ReadOnly):
    list_display = ("code", "name", "kind", "severity", "escalate", "is_active", "last_run_at")


class DeliveryInline(admin.TabularInline):
    model = AlertDelivery
    extra = 0
    can_delete = False
    readonly_fields = ("user", "reason", "acknowledged_at", "snoozed_until", "emailed_at")


@admin.register(Alert)
class AlertAdmin(ReadOnly):
    list_display = (
        "id",
        "rule",
        "subject_key",
        "owner",
        "severity",
        "first_seen_at",
        "resolved_at",
    )
    list_filter = ("rule", "severity")
    inlines = [DeliveryInline]


@admin.register(ForecastAdjustment)
class ForecastAdjustmentAdmin(ReadOnly):
    list_display = ("owner_unit", "period_key", "amount", "author", "created_at")
