"""On SQLite: closed deals by owner and close date, covering what the deal KPIs read (stage,
amount, opening date), so a period's won revenue, win rate or cycle of some or all people is
answered from this index alone. SQLite otherwise read every deal a manager's people ever had
through the owner index (a branch's quarter at scale M: 79 ms -> 1 ms; the whole company's by
owner: 0.5 s -> 20 ms). The table is analysed so that SQLite weighs the index (see 0005).

Not on PostgreSQL: its plans for the product's grouped reads (one pass over the period's
deals, by the close-date index or in parallel) do not use it, so it would only cost writes.
Hand-written per-owner loops could use it there; see docs/performance.md."""

from django.db import migrations

from salesops.core.migration_sql import VendorSQL

INDEX = (
    "CREATE INDEX kpi_opp_owner_closed ON crm_opportunity"
    " (owner_id, closed_at, stage_id, amount, created_at) WHERE closed_at IS NOT NULL"
)


class Migration(migrations.Migration):
    dependencies = [("targets", "0005_kpi_activity_owner_index")]

    operations = [
        VendorSQL("sqlite", [INDEX, "ANALYZE crm_opportunity"], ["DROP INDEX kpi_opp_owner_closed"])
    ]
