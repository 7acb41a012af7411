"""The standard funnel, tier service standards, approval rules and CRM settings."""

from decimal import Decimal

from django.db import migrations

STAGES = [
    # code, name, order, kind, probability, standard days, entry criteria
    ("lead", "Lead", 1, "open", 10, 14, []),
    ("need", "Need confirmed", 2, "open", 25, 21, ["need_confirmed"]),
    ("proposal", "Proposal", 3, "open", 50, 21, ["need_confirmed", "decision_maker", "lines"]),
    ("negotiation", "Negotiation", 4, "open", 75, 14,
     ["need_confirmed", "decision_maker", "lines", "expected_close"]),
    ("closing", "Closing", 5, "open", 90, 10,
     ["need_confirmed", "decision_maker", "lines", "expected_close", "next_step"]),
    ("won", "Won", 6, "won", 100, 0, ["lines"]),
    ("lost", "Lost", 7, "lost", 0, 0, []),
]
TIERS = [("strategic", 7, 4, "Sales director"), ("key", 14, 8, "Sales manager"),
         ("core", 30, 24, "Account owner"), ("general", 60, 48, "Account owner")]


def forwards(apps, schema_editor):
    Stage = apps.get_model("crm", "Stage")
    for code, name, order, kind, prob, days, req in STAGES:
        Stage.objects.get_or_create(code=code, defaults=dict(
            name=name, order=order, kind=kind, probability=prob, standard_days=days,
            requirements=req))
    TierStandard = apps.get_model("crm", "TierStandard")
    for tier, days, hours, counterpart in TIERS:
        TierStandard.objects.get_or_create(tier=tier, defaults=dict(
            max_days_between_contacts=days, response_hours=hours, counterpart=counterpart))
    ApprovalRule = apps.get_model("crm", "ApprovalRule")
    if not ApprovalRule.objects.exists():
        ApprovalRule.objects.create(name="Large contract", min_amount=Decimal("500000"), up_to="manager")
        ApprovalRule.objects.create(name="Very large contract", min_amount=Decimal("2000000"),
                                    up_to="director")
        ApprovalRule.objects.create(name="High discount", min_discount_pct=15, up_to="manager")
    apps.get_model("crm", "CrmSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
