from django.contrib import admin

from salesops.targets.models import KpiDefinition, RampRule, Target, TargetRevision


@admin.register(KpiDefinition)
class KpiDefinitionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "unit", "direction", "source", "aggregate", "is_active")
    list_filter = ("kind", "unit", "is_manual", "is_active")
    search_fields = ("code", "name")

    def has_add_permission(self, request: object) -> bool:
        return False  # added on the KPI catalogue page, where the definition is checked

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(RampRule)
class RampRuleAdmin(admin.ModelAdmin):
    list_display = ("from_month", "to_month", "percent")

    def has_add_permission(self, request: object) -> bool:
        return False  # set on the ramp rules page

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


class RevisionInline(admin.TabularInline):
    model = TargetRevision
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "action", "old_value", "new_value", "old_status",
                       "new_status", "reason")  # fmt: skip


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    """Read-only: targets change through the services (history and audit)."""

    list_display = ("kpi", "owner_user", "owner_unit", "period_key", "value", "status")
    list_filter = ("period_kind", "status", "kpi")
    search_fields = ("owner_user__username", "owner_unit__name", "period_key")
    inlines = [RevisionInline]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
