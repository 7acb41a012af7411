"""An index for the stuck-deal rule at scale: open deals by stage and the time they entered it
(partial: open deals only, a small part of the table). The rule asks, per stage and tier, for
open deals that entered the stage before now minus the limit; with this index each of those is
a range of the index instead of every open deal of the stage (at scale M on PostgreSQL the
rule's query 195 ms -> 96 ms). Raw SQL kept by this app, like 0003's indexes.
"""

from django.db import migrations

NAME = "insights_scan_open_stage_entered"


class Migration(migrations.Migration):
    dependencies = [("insights", "0004_stage_limits"), ("crm", "0005_opportunity_amount_index")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX {NAME} ON crm_opportunity (stage_id, stage_entered_at)"
            " WHERE closed_at IS NULL",
            reverse_sql=f"DROP INDEX {NAME}",
        )
    ]
