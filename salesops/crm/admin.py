from django.contrib import admin

from salesops.crm import models as m


@admin.register(m.TierStandard)
class TierStandardAdmin(admin.ModelAdmin):
    list_display = ("tier", "max_days_between_contacts", "response_hours", "counterpart")


@admin.register(m.Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ("order", "code", "name", "kind", "probability", "standard_days", "is_active")
    list_editable = ("probability", "standard_days", "is_active")


@admin.register(m.Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "product_line", "list_price", "is_active")
    list_filter = ("product_line", "is_active")
    search_fields = ("code", "name")


@admin.register(m.ApprovalRule)
class ApprovalRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "min_amount", "min_discount_pct", "up_to", "is_active")


@admin.register(m.CrmSettings)
class CrmSettingsAdmin(admin.ModelAdmin):
    list_display = ("lead_return_days", "customer_return_days", "max_leads_per_rep",
                    "max_customers_per_rep")  # fmt: skip


@admin.register(m.Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "level", "territory", "channel_manager", "is_active")
    list_filter = ("kind", "level")
