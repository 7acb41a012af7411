"""The SQL that keeps crm.ReasonMonth: triggers on the deals and the full rebuild.

Each deal with a close date is one fact for its owner, the local month of that date (as
crm.DealMonth places it, in the zone of crm_rollupstate), its stage and its lost reason: 1 and
its amount. A write adds the facts of the new rows and subtracts those of the old ones:
PostgreSQL per statement from its transition tables (`rollup_sql.pg_triggers`), SQLite per
row. Readers keep the stages of the kind they count (lost, for the funnel's lost reasons).

Migrations import this module (crm 0017), so keep what it produces stable.
"""

# ruff: noqa: S608 -- the SQL is built from this module's constants only
from __future__ import annotations

from salesops.crm.rollup_sql import STATE, pg_triggers, sqlite_triggers

DEAL = "owner_id, closed_at, stage_id, lost_reason, amount"
KEY = "month, owner_id, stage_id, reason"
ADDED = "n = {t}.n + excluded.n, amount = {t}.amount + excluded.amount"


def _pg_upsert(rows: str) -> str:
    """Add the facts of `rows` (the deal columns and a `sign`, 1 or -1)."""
    month = "date_trunc('month', d.closed_at AT TIME ZONE z.time_zone)::date"
    return (
        "WITH z AS (SELECT time_zone FROM crm_rollupstate WHERE id = 1),"
        f" d AS ({rows}) INSERT INTO crm_reasonmonth AS r ({KEY}, n, amount)"
        f" SELECT {month}, d.owner_id, d.stage_id, d.lost_reason, SUM(d.sign),"
        " SUM(d.sign * d.amount) FROM d, z"
        " WHERE d.closed_at IS NOT NULL AND d.owner_id IS NOT NULL GROUP BY 1, 2, 3, 4"
        " HAVING SUM(d.sign) <> 0 OR SUM(d.sign * d.amount) <> 0 ORDER BY 1, 2, 3, 4"
        f" ON CONFLICT ({KEY}) DO UPDATE SET {ADDED.format(t='r')}"
    )


POSTGRESQL, POSTGRESQL_DROP = pg_triggers("crm_reason_month", "crm_opportunity", _pg_upsert, DEAL)
PG_REBUILD = [
    "DELETE FROM crm_reasonmonth",
    _pg_upsert(f"SELECT {DEAL}, 1 AS sign FROM crm_opportunity"),
    "ANALYZE crm_reasonmonth",
]

# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_upsert(row: str, sign: int, source: str) -> str:
    return (
        f"INSERT INTO crm_reasonmonth ({KEY}, n, amount)"
        f" SELECT date({row}.closed_at, z.shift, 'start of month'), {row}.owner_id,"
        f" {row}.stage_id, {row}.lost_reason, SUM({sign}), SUM({sign} * {row}.amount)"
        f" FROM {source} WHERE z.shift <> '' AND {row}.closed_at IS NOT NULL"
        f" AND {row}.owner_id IS NOT NULL GROUP BY 1, 2, 3, 4"
        f" ON CONFLICT ({KEY}) DO UPDATE SET {ADDED.format(t='crm_reasonmonth')}"
    )


SQLITE, SQLITE_DROP = sqlite_triggers(
    "crm_reason_month", "crm_opportunity", DEAL,
    lambda row, sign: _sqlite_upsert(row, sign, STATE), "{row}.closed_at IS NOT NULL",
)  # fmt: skip
SQLITE_REBUILD = [
    "DELETE FROM crm_reasonmonth",
    _sqlite_upsert("d", 1, f"crm_opportunity d, {STATE}"),
    "ANALYZE crm_reasonmonth",
]
