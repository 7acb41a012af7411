"""Deals summed per owner and local month (crm.DealMonth), kept by triggers on the deals, and
the time zone they are placed in (crm.RollupState); filled from the deals already stored. The
SQL is in salesops/crm/rollup_sql.py (shared with `salesops rebuild_rollups`).

A later migration that rebuilds crm_opportunity on SQLite (Django copies the table to alter a
column) drops these triggers with the old table and must run this migration's SQL again (the
suite's test_deal_month checks that the triggers exist after all migrations).
"""

from django.conf import settings
from django.db import migrations, models

from salesops.core.migration_sql import VendorSQL
from salesops.crm import rollup_sql


def _state(apps, schema_editor):
    time_zone, shift = rollup_sql.zone_state()
    apps.get_model("crm", "RollupState").objects.create(id=1, time_zone=time_zone, shift=shift)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0010_customer_fewer_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RollupState",
            fields=[
                ("id", models.BigAutoField(
                    auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("time_zone", models.CharField(max_length=64)),
                ("shift", models.CharField(blank=True, max_length=20)),
            ],
            options={"verbose_name": "rollup state", "verbose_name_plural": "rollup state"},
        ),
        migrations.CreateModel(
            name="DealMonth",
            fields=[
                ("id", models.BigAutoField(
                    auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField(verbose_name="month")),
                ("event", models.PositiveSmallIntegerField(
                    choices=[(1, "Opened"), (2, "Closed")], verbose_name="event")),
                ("stage_id", models.IntegerField(default=0, verbose_name="stage")),
                ("n", models.BigIntegerField(default=0)),
                ("amount", models.BigIntegerField(default=0)),
                ("cycle_us", models.BigIntegerField(default=0)),
                ("owner", models.ForeignKey(
                    db_constraint=False, db_index=False, on_delete=models.deletion.DO_NOTHING,
                    related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "deals of a month",
                "verbose_name_plural": "deals of a month",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("month", "event", "owner", "stage_id"),
                        name="crm_dealmonth_key",
                    )
                ],
            },
        ),
        migrations.RunPython(_state, migrations.RunPython.noop),
        VendorSQL("postgresql", [*rollup_sql.POSTGRESQL, *rollup_sql.PG_REBUILD],
                  rollup_sql.POSTGRESQL_DROP),
        VendorSQL("sqlite", [*rollup_sql.SQLITE, *rollup_sql.SQLITE_REBUILD],
                  rollup_sql.SQLITE_DROP),
    ]
