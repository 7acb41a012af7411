"""Rebuilding what triggers keep from the records: the rollups in the site's time zone
(crm.DealMonth, crm.ActivityDay, crm.ActivityMonth, crm.DealCohort, crm.StayMonth,
crm.ReasonMonth), the open deals and all deals per owner and stage (crm.OpenPipeline,
crm.StageTotal) and per month of expected close (crm.CloseMonthTotal), the stages each deal
has been in (crm.StagesReached) and each customer's first win (Opportunity.first_win) — after a
change of time zone, or a load that skipped the triggers."""

from __future__ import annotations

import importlib

from django.db import connection, transaction

from salesops.crm import (
    activity_month_sql,
    cohort_sql,
    first_win_sql,
    open_sql,
    reason_sql,
    rollup_sql,
    stay_sql,
)
from salesops.crm.models import DealMonth, RollupState

# What each module's triggers keep, rebuilt in this order (the cohorts read the stages reached)
KEPT = (
    first_win_sql, open_sql, open_sql.STAGE_TOTAL, open_sql.CLOSE_MONTH_TOTAL, cohort_sql,
    stay_sql, reason_sql, activity_month_sql,
)  # fmt: skip


@transaction.atomic
def trigger_tables_rebuild() -> int:
    """Place every deal again in its local months (of opening and closing, of closing with its
    lost reason, and of opening with the stages it reached), every finished stay in the month
    it ended and every done activity on its local day and in its local month, of the site's
    current time zone (after the zone changed; the readers ignore the rollups until then),
    recompute the open deals and all deals per owner and stage (and month of expected close),
    the stages each deal has been in and the customers' first wins, and return the deals' rows
    kept. Safe to run twice: all is recomputed from the records, not added to."""
    time_zone, shift = rollup_sql.zone_state()
    RollupState.objects.update_or_create(pk=1, defaults={"time_zone": time_zone, "shift": shift})
    pg = connection.vendor == "postgresql"
    deals = rollup_sql.PG_REBUILD if pg else rollup_sql.SQLITE_REBUILD
    days = rollup_sql.ACTIVITY_PG_REBUILD if pg else rollup_sql.ACTIVITY_SQLITE_REBUILD
    kept = [sql for m in KEPT for sql in (m.PG_REBUILD if pg else m.SQLITE_REBUILD)]
    with connection.cursor() as cursor:
        for sql in [*deals, *days, *_stages_reached(pg), *kept]:
            cursor.execute(sql)
    return DealMonth.objects.count()


def _stages_reached(pg: bool) -> list[str]:
    """crm 0009's own statements that fill the stages reached from the stage history."""
    sql = importlib.import_module("salesops.crm.migrations.0009_stages_reached")
    fill = sql.POSTGRESQL[-1] if pg else sql.SQLITE[-2]
    return ["DELETE FROM crm_stagesreached", fill]
