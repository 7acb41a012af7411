"""The SQL that keeps crm.DealMonth and crm.ActivityDay: triggers and the full rebuilds.

Migrations import this module (crm 0011), so keep what it produces stable; a change to the
rollup's shape is a new migration with its own SQL.

Each deal is one "opened" fact in the local month of its opening and, once it has a close
date, one "closed" fact in the local month of that date (per stage), with its
amount and, when closed, the microseconds from opening to closing. The local month comes from
the time zone in crm_rollupstate (PostgreSQL: its name; SQLite: a fixed-offset modifier, and no
facts at all while it is empty). A write adds the facts of the new rows and subtracts those of
the old ones: PostgreSQL per statement from its transition tables (a COPY of a million deals is
one grouped upsert), SQLite per row. Done activities are counted the same way per owner and
local day (crm.ActivityDay).
"""

# ruff: noqa: S608 -- the SQL is built from this module's constants only
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from salesops.core.localtime import fixed_offset_minutes, sqlite_micros

COLUMNS = "owner_id, month, event, stage_id, n, amount, cycle_us"
KEY = "month, event, owner_id, stage_id"
OPENED, CLOSED = 1, 2
ADDED = (
    "n = {t}.n + excluded.n, amount = {t}.amount + excluded.amount,"
    " cycle_us = {t}.cycle_us + excluded.cycle_us"
)


def zone_state() -> tuple[str, str]:
    """The site's time zone and, when it keeps one UTC offset, its SQLite date modifier."""
    minutes = fixed_offset_minutes(ZoneInfo(settings.TIME_ZONE))
    return settings.TIME_ZONE, "" if minutes is None else f"{minutes:+d} minutes"


# --- PostgreSQL ---------------------------------------------------------------------------------

PG_CYCLE = "(EXTRACT(EPOCH FROM d.closed_at - d.created_at) * 1000000)::bigint"


def _pg_month(column: str) -> str:
    return f"date_trunc('month', d.{column} AT TIME ZONE z.time_zone)::date"


def pg_upsert(rows: str) -> str:
    """Add the facts of `rows` (deal columns and a `sign`, 1 or -1) to the rollup."""
    facts = (
        f"SELECT d.owner_id, {_pg_month('created_at')} AS month, {OPENED} AS event,"
        " 0 AS stage_id, d.sign AS n, d.sign * d.amount AS amount,"
        " 0::bigint AS cycle_us FROM d, z WHERE d.owner_id IS NOT NULL"
        f" UNION ALL SELECT d.owner_id, {_pg_month('closed_at')}, {CLOSED}, d.stage_id, d.sign,"
        f" d.sign * d.amount, d.sign * {PG_CYCLE} FROM d, z"
        " WHERE d.owner_id IS NOT NULL AND d.closed_at IS NOT NULL"
    )
    return (
        "WITH z AS (SELECT time_zone FROM crm_rollupstate WHERE id = 1),"
        f" d AS ({rows}), f AS ({facts})"
        f" INSERT INTO crm_dealmonth AS r ({COLUMNS})"
        f" SELECT owner_id, month, event, stage_id, SUM(n), SUM(amount), SUM(cycle_us)"
        " FROM f GROUP BY 1, 2, 3, 4"
        " HAVING SUM(n) <> 0 OR SUM(amount) <> 0 OR SUM(cycle_us) <> 0"
        f" ORDER BY {KEY} ON CONFLICT ({KEY}) DO UPDATE SET {ADDED.format(t='r')}"
    )


DEAL = "owner_id, created_at, closed_at, stage_id, amount"


def _signed(table: str, sign: int) -> str:
    return f"SELECT {DEAL}, {sign} AS sign FROM {table}"


TRIGGERS = ("insert", "update", "delete")


def pg_triggers(name: str, table: str, upsert: Any, columns: str,
                moved: str = "") -> tuple[list[str], list[str]]:  # fmt: skip
    """The PostgreSQL functions and statement-level triggers that keep a rollup `name` from
    `table`: `upsert(rows)` adds the facts of `rows` (the `columns` and a `sign`): the new rows
    of an INSERT, the old rows of a DELETE (sign -1), both for an UPDATE. Transition tables
    rule out a column list, so every UPDATE statement runs it; one that changes none of the
    rollup's columns nets to nothing and writes nothing. With `moved` (a column: plain column
    names only), an UPDATE counts only the rows whose `moved` changed. Returns (create, drop)."""

    def rows(source: str, sign: int) -> str:
        return f"SELECT {columns}, {sign} AS sign FROM {source}"

    def changed(source: str, other: str, sign: int) -> str:
        picked = ", ".join(f"{source}.{c.strip()}" for c in columns.split(","))
        return (
            f"SELECT {picked}, {sign} AS sign FROM {source} JOIN {other} ON {other}.id ="
            f" {source}.id WHERE {source}.{moved} IS DISTINCT FROM {other}.{moved}"
        )

    bodies = {
        "added": rows("added", 1),
        "removed": rows("removed", -1),
        "changed": f"{rows('added', 1)} UNION ALL {rows('removed', -1)}"
        if not moved
        else f"{changed('added', 'removed', 1)} UNION ALL {changed('removed', 'added', -1)}",
    }
    create = [
        f"CREATE FUNCTION {name}_{kind}() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN {upsert(body)}; RETURN NULL; END $$"
        for kind, body in bodies.items()
    ]
    for op, refs, kind in (
        ("insert", "NEW TABLE AS added", "added"),
        ("delete", "OLD TABLE AS removed", "removed"),
        ("update", "OLD TABLE AS removed NEW TABLE AS added", "changed"),
    ):
        create.append(
            f"CREATE TRIGGER {name}_{op} AFTER {op.upper()} ON {table} REFERENCING {refs}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {name}_{kind}()"
        )
    drop = [
        *(f"DROP TRIGGER {name}_{op} ON {table}" for op in TRIGGERS),
        *(f"DROP FUNCTION {name}_{kind}()" for kind in bodies),
    ]
    return create, drop


def sqlite_triggers(name: str, table: str, watched: str, upsert: Any,
                    kept: str) -> tuple[list[str], list[str]]:  # fmt: skip
    """The SQLite row triggers that keep a rollup `name` from `table`: `upsert(row, sign)` adds
    the facts of one row (NEW with 1, OLD with -1) and `kept` is the condition on a row
    (`{row}`) for it to have facts; an UPDATE of the `watched` columns subtracts the old row's
    and adds the new one's. Returns (create, drop)."""
    new, old = kept.format(row="NEW"), kept.format(row="OLD")
    create = [
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table}"
        f" WHEN {new} BEGIN {upsert('NEW', 1)}; END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table}"
        f" WHEN {old} BEGIN {upsert('OLD', -1)}; END",
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {watched} ON {table}"
        f" WHEN {old} OR {new} BEGIN {upsert('OLD', -1)}; {upsert('NEW', 1)}; END",
    ]
    return create, [f"DROP TRIGGER {name}_{op}" for op in TRIGGERS]


POSTGRESQL, POSTGRESQL_DROP = pg_triggers("crm_deal_month", "crm_opportunity", pg_upsert, DEAL)
PG_REBUILD = [
    "DELETE FROM crm_dealmonth",
    pg_upsert(_signed("crm_opportunity", 1)),
    "ANALYZE crm_dealmonth",
]

# --- SQLite -------------------------------------------------------------------------------------


def _micros(column: str) -> str:
    """Exact microseconds of a stored timestamp: core.localtime.sqlite_micros, as plain SQL
    (its "%%" is for Django's parameters; trigger SQL runs as it is)."""
    return sqlite_micros(column).replace("%%", "%")


def _sqlite_facts(row: str, sign: int) -> str:
    """The facts of one deal (`row`: NEW, OLD, or a table alias) with `sign`."""
    month = "date({row}.{column}, z.shift, 'start of month')"
    cycle = f"{sign} * ({_micros(f'{row}.closed_at')} - {_micros(f'{row}.created_at')})"
    return (
        f"SELECT {row}.owner_id, {month.format(row=row, column='created_at')} AS month,"
        f" {OPENED} AS event, 0 AS stage_id, {sign} AS n,"
        f" {sign} * {row}.amount AS amount, 0 AS cycle_us"
        f" FROM {{source}} WHERE z.shift <> '' AND {row}.owner_id IS NOT NULL"
        f" UNION ALL SELECT {row}.owner_id, {month.format(row=row, column='closed_at')},"
        f" {CLOSED}, {row}.stage_id, {sign}, {sign} * {row}.amount, {cycle}"
        f" FROM {{source}} WHERE z.shift <> '' AND {row}.owner_id IS NOT NULL"
        f" AND {row}.closed_at IS NOT NULL"
    )


def sqlite_upsert(facts: str) -> str:
    return (
        f"INSERT INTO crm_dealmonth ({COLUMNS}) SELECT owner_id, month, event, stage_id,"
        f" SUM(n), SUM(amount), SUM(cycle_us) FROM ({facts}) WHERE true"
        f" GROUP BY 1, 2, 3, 4 ON CONFLICT ({KEY}) DO UPDATE SET"
        f" {ADDED.format(t='crm_dealmonth')}"
    )


STATE = "(SELECT shift FROM crm_rollupstate WHERE id = 1) AS z"


def _row(row: str, sign: int) -> str:
    return sqlite_upsert(_sqlite_facts(row, sign).format(source=f"{STATE}")) + ";"


WATCHED = "owner_id, stage_id, amount, created_at, closed_at"
SQLITE = [
    "CREATE TRIGGER crm_deal_month_insert AFTER INSERT ON crm_opportunity"
    f" BEGIN {_row('NEW', 1)} END",
    "CREATE TRIGGER crm_deal_month_delete AFTER DELETE ON crm_opportunity"
    f" BEGIN {_row('OLD', -1)} END",
    f"CREATE TRIGGER crm_deal_month_update AFTER UPDATE OF {WATCHED} ON crm_opportunity"
    f" BEGIN {_row('OLD', -1)} {_row('NEW', 1)} END",
]
SQLITE_DROP = [f"DROP TRIGGER crm_deal_month_{name}" for name in TRIGGERS]
SQLITE_REBUILD = [
    "DELETE FROM crm_dealmonth",
    sqlite_upsert(_sqlite_facts("d", 1).format(source=f"crm_opportunity d, {STATE}")),
    "ANALYZE crm_dealmonth",
]


# --- activities done per owner and local day (crm.ActivityDay, crm 0012) -----------------------
# A done activity (status 'done' with a done time) is one fact on the local day it was done.

ACTIVITY = "owner_id, status, done_at"


def activity_done(row: str) -> str:
    """The condition for an activity (`row`) to count as done (crm.ActivityDay, ActivityMonth)."""
    return f"{row}.status = 'done' AND {row}.done_at IS NOT NULL"


def _pg_activity_upsert(rows: str) -> str:
    return (
        "WITH z AS (SELECT time_zone FROM crm_rollupstate WHERE id = 1),"
        f" d AS ({rows}) INSERT INTO crm_activityday AS r (owner_id, day, n)"
        " SELECT d.owner_id, (d.done_at AT TIME ZONE z.time_zone)::date, SUM(d.sign)"
        f" FROM d, z WHERE {activity_done('d')} GROUP BY 1, 2"
        " HAVING SUM(d.sign) <> 0 ORDER BY 2, 1"
        " ON CONFLICT (day, owner_id) DO UPDATE SET n = r.n + EXCLUDED.n"
    )


def _activities(table: str, sign: int) -> str:
    return f"SELECT {ACTIVITY}, {sign} AS sign FROM {table}"


ACTIVITY_POSTGRESQL, ACTIVITY_POSTGRESQL_DROP = pg_triggers(
    "crm_activity_day", "crm_activity", _pg_activity_upsert, ACTIVITY
)
ACTIVITY_PG_REBUILD = [
    "DELETE FROM crm_activityday",
    _pg_activity_upsert(_activities("crm_activity", 1)),
    "ANALYZE crm_activityday",
]


def _sqlite_activity(row: str, sign: int, source: str) -> str:
    return (
        "INSERT INTO crm_activityday (owner_id, day, n)"
        f" SELECT {row}.owner_id, date({row}.done_at, z.shift), SUM({sign}) FROM {source}"
        f" WHERE z.shift <> '' AND {activity_done(row)} GROUP BY 1, 2"
        " ON CONFLICT (day, owner_id) DO UPDATE SET n = crm_activityday.n + excluded.n"
    )


ACTIVITY_SQLITE = [
    "CREATE TRIGGER crm_activity_day_insert AFTER INSERT ON crm_activity"
    f" BEGIN {_sqlite_activity('NEW', 1, STATE)}; END",
    "CREATE TRIGGER crm_activity_day_delete AFTER DELETE ON crm_activity"
    f" BEGIN {_sqlite_activity('OLD', -1, STATE)}; END",
    f"CREATE TRIGGER crm_activity_day_update AFTER UPDATE OF {ACTIVITY} ON crm_activity"
    f" BEGIN {_sqlite_activity('OLD', -1, STATE)}; {_sqlite_activity('NEW', 1, STATE)}; END",
]
ACTIVITY_SQLITE_DROP = [f"DROP TRIGGER crm_activity_day_{name}" for name in TRIGGERS]
ACTIVITY_SQLITE_REBUILD = [
    "DELETE FROM crm_activityday",
    _sqlite_activity("d", 1, f"crm_activity d, {STATE}"),
    "ANALYZE crm_activityday",
]
