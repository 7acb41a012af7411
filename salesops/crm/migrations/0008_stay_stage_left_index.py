"""Stays by stage and end, with their start: the funnel's "time in stage" (stays in open stages
that ended in a window, their count and total duration per stage) is read from the index alone
instead of fetching each stay's row for its start (a company quarter at scale M on SQLite,
~400k stays: 1.3 s -> 0.5 s). It replaces the (stage, left_at) index, which it extends. On
SQLite the table is analysed so that the planner weighs the new index."""

from django.conf import settings
from django.db import migrations, models

from salesops.core.migration_sql import VendorSQL


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0007_customer_text_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="stagehistory",
            index=models.Index(
                fields=["stage", "left_at", "entered_at"], name="crm_stay_stage_left"
            ),
        ),
        migrations.RemoveIndex(
            model_name="stagehistory",
            name="crm_stagehi_stage_i_a2d15e_idx",
        ),
        VendorSQL("sqlite", ["ANALYZE crm_stagehistory"]),
    ]
