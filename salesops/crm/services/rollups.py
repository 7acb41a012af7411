"""Rebuilding the deals' monthly rollup (crm.DealMonth) in the site's time zone."""

from __future__ import annotations

from django.db import connection, transaction

from salesops.crm import rollup_sql
from salesops.crm.models import DealMonth, RollupState


@transaction.atomic
def deal_months_rebuild() -> int:
    """Place every deal again in its local month of the site's current time zone (after the
    zone changed; the readers ignore the rollup until then) and return the rows kept. Safe to
    run twice: the rollup is recomputed from the deals, not added to."""
    time_zone, shift = rollup_sql.zone_state()
    RollupState.objects.update_or_create(pk=1, defaults={"time_zone": time_zone, "shift": shift})
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for sql in rollup_sql.PG_REBUILD if pg else rollup_sql.SQLITE_REBUILD:
            cursor.execute(sql)
    return DealMonth.objects.count()
