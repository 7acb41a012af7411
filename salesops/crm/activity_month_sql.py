"""The SQL that keeps crm.ActivityMonth: triggers on the activities and the full rebuild.

A done activity (status 'done' with a done time) is one fact for its owner in the local month
it was done (as crm.ActivityDay places it on a local day, in the zone of crm_rollupstate). A
write adds the facts of the new rows and subtracts those of the old ones: PostgreSQL per
statement from its transition tables (`rollup_sql.pg_triggers`), SQLite per row.

Migrations import this module (crm 0020), so keep what it produces stable.
"""

# ruff: noqa: S608 -- the SQL is built from this module's constants only
from __future__ import annotations

from salesops.crm.rollup_sql import ACTIVITY, STATE, activity_done, pg_triggers, sqlite_triggers

DONE = activity_done("{row}")  # a template: the done condition of any row


def _pg_upsert(rows: str) -> str:
    """Add the facts of `rows` (the activity columns and a `sign`, 1 or -1)."""
    month = "date_trunc('month', d.done_at AT TIME ZONE z.time_zone)::date"
    return (
        "WITH z AS (SELECT time_zone FROM crm_rollupstate WHERE id = 1),"
        f" d AS ({rows}) INSERT INTO crm_activitymonth AS r (month, owner_id, n)"
        f" SELECT {month}, d.owner_id, SUM(d.sign) FROM d, z WHERE {DONE.format(row='d')}"
        " GROUP BY 1, 2 HAVING SUM(d.sign) <> 0 ORDER BY 1, 2"
        " ON CONFLICT (month, owner_id) DO UPDATE SET n = r.n + EXCLUDED.n"
    )


POSTGRESQL, POSTGRESQL_DROP = pg_triggers(
    "crm_activity_month", "crm_activity", _pg_upsert, ACTIVITY
)
PG_REBUILD = [
    "DELETE FROM crm_activitymonth",
    _pg_upsert(f"SELECT {ACTIVITY}, 1 AS sign FROM crm_activity"),
    "ANALYZE crm_activitymonth",
]

# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_upsert(row: str, sign: int, source: str) -> str:
    return (
        "INSERT INTO crm_activitymonth (month, owner_id, n)"
        f" SELECT date({row}.done_at, z.shift, 'start of month'), {row}.owner_id, SUM({sign})"
        f" FROM {source} WHERE z.shift <> '' AND {DONE.format(row=row)} GROUP BY 1, 2"
        " ON CONFLICT (month, owner_id) DO UPDATE SET n = crm_activitymonth.n + excluded.n"
    )


SQLITE, SQLITE_DROP = sqlite_triggers(
    "crm_activity_month", "crm_activity", ACTIVITY,
    lambda row, sign: _sqlite_upsert(row, sign, STATE), DONE,
)  # fmt: skip
SQLITE_REBUILD = [
    "DELETE FROM crm_activitymonth",
    _sqlite_upsert("d", 1, f"crm_activity d, {STATE}"),
    "ANALYZE crm_activitymonth",
]
