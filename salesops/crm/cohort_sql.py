"""The SQL that keeps crm.DealCohort: triggers on the deals and on the stages reached, and the
full rebuild.

A deal is one fact for its owner, the local month of its opening and its stage bits (from
crm_stagesreached; none, and no fact, while it has no bit): 1 and its amount. Each side's
triggers take the other side as it stands: a write to the deals (owner, opening, amount)
subtracts the old rows' facts and adds the new ones' with the deal's current bits; a write to
the stages reached does the same with the deal's current owner, opening and amount. A deal's
delete therefore nets out whichever side goes first (Django deletes the stages reached first;
a deal already gone contributes nothing to the second). PostgreSQL per statement from the
transition tables (`rollup_sql.pg_triggers`), SQLite per row; the local month as crm.DealMonth
places it (the time zone of crm_rollupstate).

Migrations import this module (crm 0015), so keep what it produces stable.
"""

# ruff: noqa: S608 -- the SQL is built from this module's constants only
from __future__ import annotations

from salesops.crm.rollup_sql import STATE, TRIGGERS, pg_triggers

ADDED = "n = {t}.n + excluded.n, amount = {t}.amount + excluded.amount"
KEY = "month, owner_id, bits"
# A deal's current bits, from inside a statement over the deals (crm_stagesreached has no `id`,
# so `id` is the deal's).
BITS = "COALESCE((SELECT s.bits FROM crm_stagesreached s WHERE s.opportunity_id = {deal}), 0)"
DEAL = f"owner_id, created_at, amount, {BITS.format(deal='id')} AS bits"
JOINED = "crm_opportunity o JOIN crm_stagesreached s ON s.opportunity_id = o.id"
REACHED = "opportunity_id, bits"


def _pg_upsert(rows: str) -> str:
    """Add the facts of `rows` (owner_id, created_at, amount, bits, sign)."""
    month = "date_trunc('month', d.created_at AT TIME ZONE z.time_zone)::date"
    return (
        "WITH z AS (SELECT time_zone FROM crm_rollupstate WHERE id = 1),"
        f" d AS ({rows}) INSERT INTO crm_dealcohort AS r ({KEY}, n, amount)"
        f" SELECT {month}, d.owner_id, d.bits, SUM(d.sign), SUM(d.sign * d.amount) FROM d, z"
        " WHERE d.bits <> 0 AND d.owner_id IS NOT NULL GROUP BY 1, 2, 3"
        " HAVING SUM(d.sign) <> 0 OR SUM(d.sign * d.amount) <> 0 ORDER BY 1, 2, 3"
        f" ON CONFLICT ({KEY}) DO UPDATE SET {ADDED.format(t='r')}"
    )


def _pg_of_reached(rows: str) -> str:
    """The facts of changed stages reached (`rows`: opportunity_id, bits, sign), with their
    deals' current owner, opening and amount."""
    return _pg_upsert(
        f"SELECT o.owner_id, o.created_at, o.amount, x.bits, x.sign FROM ({rows}) x"
        " JOIN crm_opportunity o ON o.id = x.opportunity_id"
    )


_DEALS, _DEALS_DROP = pg_triggers("crm_deal_cohort", "crm_opportunity", _pg_upsert, DEAL)
_REACHED, _REACHED_DROP = pg_triggers(
    "crm_deal_cohort_reached", "crm_stagesreached", _pg_of_reached, REACHED
)
POSTGRESQL, POSTGRESQL_DROP = [*_DEALS, *_REACHED], [*_DEALS_DROP, *_REACHED_DROP]
PG_REBUILD = [
    "DELETE FROM crm_dealcohort",
    _pg_upsert(f"SELECT o.owner_id, o.created_at, o.amount, s.bits, 1 AS sign FROM {JOINED}"),
    "ANALYZE crm_dealcohort",
]

# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_upsert(row: str, bits: str, sign: int, source: str, where: str = "true") -> str:
    """Add the facts of the deal `row` (its owner_id, created_at, amount) with `bits`."""
    return (
        f"INSERT INTO crm_dealcohort ({KEY}, n, amount)"
        f" SELECT date({row}.created_at, z.shift, 'start of month'), {row}.owner_id, {bits},"
        f" SUM({sign}), SUM({sign} * {row}.amount) FROM {source} WHERE {where}"
        f" AND z.shift <> '' AND {bits} <> 0 AND {row}.owner_id IS NOT NULL GROUP BY 1, 2, 3"
        f" ON CONFLICT ({KEY}) DO UPDATE SET {ADDED.format(t='crm_dealcohort')}"
    )


def _of_deal(row: str, sign: int) -> str:
    return _sqlite_upsert(row, BITS.format(deal=f"{row}.id"), sign, STATE)


def _of_reached(row: str, sign: int) -> str:
    return _sqlite_upsert("o", f"{row}.bits", sign, f"crm_opportunity o, {STATE}",
                          f"o.id = {row}.opportunity_id")  # fmt: skip


SQLITE = [
    "CREATE TRIGGER crm_deal_cohort_insert AFTER INSERT ON crm_opportunity"
    f" BEGIN {_of_deal('NEW', 1)}; END",
    "CREATE TRIGGER crm_deal_cohort_delete AFTER DELETE ON crm_opportunity"
    f" BEGIN {_of_deal('OLD', -1)}; END",
    "CREATE TRIGGER crm_deal_cohort_update AFTER UPDATE OF owner_id, created_at, amount"
    f" ON crm_opportunity BEGIN {_of_deal('OLD', -1)}; {_of_deal('NEW', 1)}; END",
    "CREATE TRIGGER crm_deal_cohort_reached_insert AFTER INSERT ON crm_stagesreached"
    f" BEGIN {_of_reached('NEW', 1)}; END",
    "CREATE TRIGGER crm_deal_cohort_reached_delete AFTER DELETE ON crm_stagesreached"
    f" BEGIN {_of_reached('OLD', -1)}; END",
    "CREATE TRIGGER crm_deal_cohort_reached_update AFTER UPDATE OF opportunity_id, bits"
    f" ON crm_stagesreached BEGIN {_of_reached('OLD', -1)}; {_of_reached('NEW', 1)}; END",
]
SQLITE_DROP = [
    *(f"DROP TRIGGER crm_deal_cohort_{op}" for op in TRIGGERS),
    *(f"DROP TRIGGER crm_deal_cohort_reached_{op}" for op in TRIGGERS),
]
SQLITE_REBUILD = [
    "DELETE FROM crm_dealcohort",
    _sqlite_upsert("o", "s.bits", 1, f"{JOINED}, {STATE}"),
    "ANALYZE crm_dealcohort",
]
