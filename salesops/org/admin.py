from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from salesops.org.models import Assignment, OrgUnit, ProductLine, Territory, User


@admin.register(Territory, ProductLine)
class ReferenceDataAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active")
    search_fields = ("code", "name")


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "leader", "path", "is_active")
    search_fields = ("name", "code")
    readonly_fields = ("path", "depth", "parent")


@admin.register(User)
class PersonAdmin(UserAdmin):
    list_display = ("username", "display_name", "position", "unit", "manager", "is_active")
    list_filter = ("position", "is_active")
    search_fields = ("username", "display_name", "email", "phone")
    readonly_fields = ("unit", "position", "manager")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (
            "SalesOps",
            {
                "fields": (
                    "display_name",
                    "phone",
                    "locale",
                    "time_zone",
                    "position",
                    "grade",
                    "unit",
                    "manager",
                    "hire_date",
                    "territory",
                    "product_lines",
                )
            },
        ),
    )


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "unit", "position", "manager", "start", "end")
    list_filter = ("position",)
