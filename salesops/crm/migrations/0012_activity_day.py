"""Done activities counted per owner and local day (crm.ActivityDay), kept by triggers on the
activities and filled from those already stored; placed in the time zone of crm.RollupState
(crm 0011). The SQL is in salesops/crm/rollup_sql.py (shared with `salesops crm_rebuild_rollups`).

A later migration that rebuilds crm_activity on SQLite drops these triggers with the old table
and must run this migration's SQL again (test_deal_month checks that the triggers exist).
"""

from django.conf import settings
from django.db import migrations, models

from salesops.core.migration_sql import VendorSQL
from salesops.crm import rollup_sql


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0011_deal_month"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ActivityDay",
            fields=[
                ("id", models.BigAutoField(
                    auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="day")),
                ("n", models.BigIntegerField(default=0)),
                ("owner", models.ForeignKey(
                    db_constraint=False, db_index=False, on_delete=models.deletion.DO_NOTHING,
                    related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "activities of a day",
                "verbose_name_plural": "activities of a day",
                "constraints": [
                    models.UniqueConstraint(fields=("day", "owner"), name="crm_activityday_key")
                ],
            },
        ),
        VendorSQL(
            "postgresql",
            [*rollup_sql.ACTIVITY_POSTGRESQL, *rollup_sql.ACTIVITY_PG_REBUILD],
            rollup_sql.ACTIVITY_POSTGRESQL_DROP,
        ),
        VendorSQL(
            "sqlite",
            [*rollup_sql.ACTIVITY_SQLITE, *rollup_sql.ACTIVITY_SQLITE_REBUILD],
            rollup_sql.ACTIVITY_SQLITE_DROP,
        ),
    ]
