"""Each customer's first won deal flagged on the deal (`first_win`, the "new customers" KPI),
kept by triggers on the deals and stages and filled from the deals already stored. The SQL is
in salesops/crm/first_win_sql.py (shared with `salesops crm_rebuild_rollups`).

The column is added by SQL: Django would rebuild the whole table on SQLite for a NOT NULL
column with a default, dropping crm 0011's triggers. A later migration that does rebuild
crm_opportunity on SQLite must run both migrations' SQL again (test_deal_month checks that the
triggers exist after all migrations).
"""

from django.db import migrations, models

from salesops.core.migration_sql import VendorSQL
from salesops.crm import first_win_sql


def _column(kind: str) -> str:
    return f"ALTER TABLE crm_opportunity ADD COLUMN first_win {kind} NOT NULL DEFAULT false"


class Migration(migrations.Migration):
    dependencies = [("crm", "0012_activity_day")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="opportunity",
                    name="first_win",
                    field=models.BooleanField(
                        default=False, editable=False, verbose_name="customer's first win"
                    ),
                ),
            ],
            database_operations=[
                VendorSQL(
                    "postgresql",
                    [_column("boolean")],
                    ["ALTER TABLE crm_opportunity DROP COLUMN first_win"],
                ),
                VendorSQL(
                    "sqlite",
                    [_column("bool")],
                    ["ALTER TABLE crm_opportunity DROP COLUMN first_win"],
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                condition=models.Q(first_win=True),
                fields=["closed_at", "owner", "amount"],
                name="crm_opp_first_wins",
            ),
        ),
        VendorSQL(
            "postgresql",
            [*first_win_sql.POSTGRESQL, *first_win_sql.PG_REBUILD],
            first_win_sql.POSTGRESQL_DROP,
        ),
        VendorSQL(
            "sqlite",
            [*first_win_sql.SQLITE, *first_win_sql.SQLITE_REBUILD],
            first_win_sql.SQLITE_DROP,
        ),
    ]
