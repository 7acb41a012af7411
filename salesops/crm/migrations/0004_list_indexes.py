"""Indexes for the list pages at scale.

- Deals: the list's filters (visible owners, or a stage; expected close) lead, and amount and
  probability follow so that the totals and the top of a page sorted by amount are read from
  the index alone; it replaces the narrower (stage, expected_close) index.
- Activities: a person's activities latest first, as the activity list sorts them.
- Customers (PostgreSQL only): trigram indexes for the list's search box, which matches
  `icontains` on name, phone and tax number. Django writes that as
  `UPPER(column::text) LIKE UPPER(pattern)`, so the indexes are on UPPER(column).
  SQLite has no such index; it scans the customers.
"""

import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models

from salesops.core.migration_sql import VendorSQL

TRIGRAM_COLUMNS = ("name", "phone", "tax_number")


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0003_reference_data"),
        ("org", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                fields=["stage", "expected_close", "amount", "probability", "id"],
                name="crm_opp_stage_close_amounts",
            ),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                fields=["owner", "expected_close", "stage", "amount", "probability", "id"],
                name="crm_opp_owner_close_amounts",
            ),
        ),
        migrations.RemoveIndex(
            model_name="opportunity",
            name="crm_opportu_stage_i_abb673_idx",
        ),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                models.F("owner"),
                django.db.models.functions.comparison.Coalesce("done_at", "due_at"),
                models.F("id"),
                name="crm_act_owner_when",
            ),
        ),
        VendorSQL(  # SQLite has no trigram indexes
            "postgresql",
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                *(
                    f"CREATE INDEX crm_customer_{column}_trgm ON crm_customer"
                    f" USING gin (UPPER({column}) gin_trgm_ops)"
                    for column in TRIGRAM_COLUMNS
                ),
            ],
            reverse_sql=[f"DROP INDEX crm_customer_{column}_trgm" for column in TRIGRAM_COLUMNS],
        ),
    ]
