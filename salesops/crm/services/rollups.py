"""Rebuilding the rollups (crm.DealMonth, crm.ActivityDay) in the site's time zone."""

from __future__ import annotations

from django.db import connection, transaction

from salesops.crm import rollup_sql
from salesops.crm.models import DealMonth, RollupState


@transaction.atomic
def deal_months_rebuild() -> int:
    """Place every deal again in its local month, and every done activity on its local day, of
    the site's current time zone (after the zone changed; the readers ignore the rollups until
    then) and return the deals' rows kept. Safe to run twice: the rollups are recomputed from
    the records, not added to."""
    time_zone, shift = rollup_sql.zone_state()
    RollupState.objects.update_or_create(pk=1, defaults={"time_zone": time_zone, "shift": shift})
    pg = connection.vendor == "postgresql"
    deals = rollup_sql.PG_REBUILD if pg else rollup_sql.SQLITE_REBUILD
    days = rollup_sql.ACTIVITY_PG_REBUILD if pg else rollup_sql.ACTIVITY_SQLITE_REBUILD
    with connection.cursor() as cursor:
        for sql in [*deals, *days]:
            cursor.execute(sql)
    return DealMonth.objects.count()
