"""On SQLite: closed deals by close date, covering what the deal KPIs read (stage, amount,
owner, opening date), so that the whole company's won revenue or win rate over months is read
from this index alone instead of fetching each deal's row (the funnel's twelve-month trend at
scale M: 1.9 s -> 1.0 s). A team's deal KPIs keep the owner-first index of 0006. The table is
analysed so that SQLite weighs both.

Not on PostgreSQL: the same index there sent the plan of the target roll-up's hand-written
SQL into a 9.5 s loop and gained the product's one-pass reads less (targets 0007)."""

from django.db import migrations

from salesops.core.migration_sql import VendorSQL

INDEX = (
    "CREATE INDEX kpi_opp_closed ON crm_opportunity"
    " (closed_at, stage_id, amount, owner_id, created_at) WHERE closed_at IS NOT NULL"
)


class Migration(migrations.Migration):
    dependencies = [("targets", "0007_kpi_deal_owner_index_postgresql")]

    operations = [
        VendorSQL("sqlite", [INDEX, "ANALYZE crm_opportunity"], ["DROP INDEX kpi_opp_closed"])
    ]
