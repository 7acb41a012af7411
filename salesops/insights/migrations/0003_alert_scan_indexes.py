"""Indexes for the alert scan at scale, on the CRM tables it reads (partial indexes: the scan
looks at open deals and done activities only, a small part of each table).

- Open deals whose close date moved out (the slipped-close-date rule): without it the scan
  reads every open deal's row to test its count of slips.
- Open deals by amount (the large-idle-deal rule).
- Done activities by deal and date (the same rule): "nothing done since the cutoff" and "the
  last thing done" are each read from the index alone.

They are raw SQL kept by this app (the CRM models do not declare them) so that insights' needs
stay with insights; both databases understand partial indexes written this way.
"""

from django.db import migrations

INDEXES = {
    "insights_scan_open_slips": (
        "crm_opportunity (close_date_changes) WHERE closed_at IS NULL AND close_date_changes > 0"
    ),
    "insights_scan_open_amount": "crm_opportunity (amount) WHERE closed_at IS NULL",
    "insights_scan_done_by_deal": (
        "crm_activity (opportunity_id, done_at) WHERE status = 'done' AND opportunity_id IS NOT NULL"
    ),
}


class Migration(migrations.Migration):
    dependencies = [("insights", "0002_shipped_rules"), ("crm", "0003_reference_data")]

    operations = [
        migrations.RunSQL(
            sql=[f"CREATE INDEX {name} ON {spec}" for name, spec in INDEXES.items()],
            reverse_sql=[f"DROP INDEX {name}" for name in INDEXES],
        )
    ]
