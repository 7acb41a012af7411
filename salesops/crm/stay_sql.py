"""The SQL that keeps crm.StayMonth: triggers on the stage history and on the deals' owner,
and the full rebuild.

A finished stay (with `left_at`) is one fact for its deal's owner, the local month it ended
and its stage: 1 and its length in microseconds. Each side's triggers take the other side as
it stands: a write to the history adds and subtracts its rows' facts with their deals' current
owners; a deal's change of owner (or its delete) moves (or subtracts) the facts of its stays.
A deal's delete therefore nets out whichever goes first (Django deletes the history first; a
deal already gone contributes nothing to the second). PostgreSQL per statement from the
transition tables (`rollup_sql.pg_triggers`; a deal update that keeps the owner is skipped),
SQLite per row; the local month as crm.DealMonth places it (the zone of crm_rollupstate).

Migrations import this module (crm 0016), so keep what it produces stable.
"""

# ruff: noqa: S608 -- the SQL is built from this module's constants only
from __future__ import annotations

from salesops.crm.rollup_sql import STATE, TRIGGERS, _micros, pg_triggers

KEY = "month, owner_id, stage_id"
ADDED = "n = {t}.n + excluded.n, total_us = {t}.total_us + excluded.total_us"
STAY = "opportunity_id, stage_id, entered_at, left_at"
JOINED = "crm_stagehistory h JOIN crm_opportunity o ON o.id = h.opportunity_id"


def _pg_upsert(rows: str) -> str:
    """Add the facts of `rows` (owner_id, stage_id, entered_at, left_at, sign)."""
    month = "date_trunc('month', d.left_at AT TIME ZONE z.time_zone)::date"
    length = "(EXTRACT(EPOCH FROM d.left_at - d.entered_at) * 1000000)::bigint"
    return (
        "WITH z AS (SELECT time_zone FROM crm_rollupstate WHERE id = 1),"
        f" d AS ({rows}) INSERT INTO crm_staymonth AS r ({KEY}, n, total_us)"
        f" SELECT {month}, d.owner_id, d.stage_id, SUM(d.sign), SUM(d.sign * {length})"
        " FROM d, z WHERE d.left_at IS NOT NULL AND d.owner_id IS NOT NULL GROUP BY 1, 2, 3"
        f" HAVING SUM(d.sign) <> 0 OR SUM(d.sign * {length}) <> 0 ORDER BY 1, 2, 3"
        f" ON CONFLICT ({KEY}) DO UPDATE SET {ADDED.format(t='r')}"
    )


def _pg_of_stays(rows: str) -> str:
    return _pg_upsert(
        f"SELECT o.owner_id, x.stage_id, x.entered_at, x.left_at, x.sign FROM ({rows}) x"
        " JOIN crm_opportunity o ON o.id = x.opportunity_id"
    )


def _pg_of_deals(rows: str) -> str:
    return _pg_upsert(
        f"SELECT x.owner_id, h.stage_id, h.entered_at, h.left_at, x.sign FROM ({rows}) x"
        " JOIN crm_stagehistory h ON h.opportunity_id = x.id"
    )


_STAYS, _STAYS_DROP = pg_triggers("crm_stay_month", "crm_stagehistory", _pg_of_stays, STAY)
_DEALS, _DEALS_DROP = pg_triggers(
    "crm_stay_month_deal", "crm_opportunity", _pg_of_deals, "id, owner_id", moved="owner_id"
)
POSTGRESQL, POSTGRESQL_DROP = [*_STAYS, *_DEALS], [*_STAYS_DROP, *_DEALS_DROP]
PG_REBUILD = [
    "DELETE FROM crm_staymonth",
    _pg_upsert(f"SELECT o.owner_id, h.stage_id, h.entered_at, h.left_at, 1 AS sign FROM {JOINED}"),
    "ANALYZE crm_staymonth",
]

# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_upsert(stay: str, owner: str, sign: int, source: str, where: str) -> str:
    """Add the facts of the stay `stay` (a row with stage_id, entered_at, left_at) of `owner`."""
    length = f"({_micros(f'{stay}.left_at')} - {_micros(f'{stay}.entered_at')})"
    return (
        f"INSERT INTO crm_staymonth ({KEY}, n, total_us)"
        f" SELECT date({stay}.left_at, z.shift, 'start of month'), {owner}, {stay}.stage_id,"
        f" SUM({sign}), SUM({sign} * {length}) FROM {source}, {STATE} WHERE {where}"
        f" AND z.shift <> '' AND {stay}.left_at IS NOT NULL AND {owner} IS NOT NULL"
        f" GROUP BY 1, 2, 3 ON CONFLICT ({KEY}) DO UPDATE SET {ADDED.format(t='crm_staymonth')}"
    )


def _of_stay(row: str, sign: int) -> str:
    return _sqlite_upsert(row, "o.owner_id", sign, "crm_opportunity o",
                          f"o.id = {row}.opportunity_id")  # fmt: skip


def _of_deal(row: str, sign: int) -> str:
    return _sqlite_upsert("h", f"{row}.owner_id", sign, "crm_stagehistory h",
                          f"h.opportunity_id = {row}.id")  # fmt: skip


SQLITE = [
    "CREATE TRIGGER crm_stay_month_insert AFTER INSERT ON crm_stagehistory"
    f" WHEN NEW.left_at IS NOT NULL BEGIN {_of_stay('NEW', 1)}; END",
    "CREATE TRIGGER crm_stay_month_delete AFTER DELETE ON crm_stagehistory"
    f" WHEN OLD.left_at IS NOT NULL BEGIN {_of_stay('OLD', -1)}; END",
    f"CREATE TRIGGER crm_stay_month_update AFTER UPDATE OF {STAY} ON crm_stagehistory"
    " WHEN OLD.left_at IS NOT NULL OR NEW.left_at IS NOT NULL BEGIN"
    f" {_of_stay('OLD', -1)}; {_of_stay('NEW', 1)}; END",
    "CREATE TRIGGER crm_stay_month_deal_delete AFTER DELETE ON crm_opportunity"
    f" BEGIN {_of_deal('OLD', -1)}; END",
    "CREATE TRIGGER crm_stay_month_deal_update AFTER UPDATE OF owner_id ON crm_opportunity"
    " WHEN OLD.owner_id IS NOT NEW.owner_id BEGIN"
    f" {_of_deal('OLD', -1)}; {_of_deal('NEW', 1)}; END",
]
SQLITE_DROP = [
    *(f"DROP TRIGGER crm_stay_month_{op}" for op in TRIGGERS),
    *(f"DROP TRIGGER crm_stay_month_deal_{op}" for op in ("delete", "update")),
]
SQLITE_REBUILD = [
    "DELETE FROM crm_staymonth",
    _sqlite_upsert("h", "o.owner_id", 1, JOINED, "true"),
    "ANALYZE crm_staymonth",
]
