"""The SQL that keeps crm.OpenPipeline: triggers and the full rebuild.

Each deal without a close date is one fact for its owner and stage: 1, its amount and its
weighted amount ((amount in cents × probability + 50) / 100 in integers, as
`crm.selectors.sales.weighted_amount` computes it). A write adds the facts of the new rows and
subtracts those of the old ones: PostgreSQL per statement from its transition tables
(`rollup_sql.pg_triggers`), SQLite per row. Readers keep only the stages of kind "open".

Migrations import this module (crm 0014), so keep what it produces stable.
"""

# ruff: noqa: S608 -- the SQL is built from this module's constants only
from __future__ import annotations

from salesops.crm.rollup_sql import pg_triggers, sqlite_triggers

DEAL = "owner_id, stage_id, amount, probability, closed_at"
WEIGHTED = "({row}.amount * {row}.probability + 50) / 100"
ADDED = "n = {t}.n + excluded.n, amount = {t}.amount + excluded.amount, weighted = {t}.weighted + excluded.weighted"  # noqa: E501


def _facts(row: str, sign: str) -> str:
    return (
        f"SELECT {row}.owner_id, {row}.stage_id, SUM({sign}) AS n,"
        f" SUM({sign} * {row}.amount) AS amount, SUM({sign} * {WEIGHTED.format(row=row)}) AS w"
    )


def _pg_upsert(rows: str) -> str:
    return (
        f"WITH d AS ({rows}) INSERT INTO crm_openpipeline AS r"
        f" (owner_id, stage_id, n, amount, weighted) {_facts('d', 'd.sign')}"
        " FROM d WHERE d.closed_at IS NULL GROUP BY 1, 2"
        " HAVING SUM(d.sign) <> 0 OR SUM(d.sign * d.amount) <> 0"
        f" OR SUM(d.sign * {WEIGHTED.format(row='d')}) <> 0 ORDER BY 1, 2"
        f" ON CONFLICT (owner_id, stage_id) DO UPDATE SET {ADDED.format(t='r')}"
    )


POSTGRESQL, POSTGRESQL_DROP = pg_triggers("crm_open_pipeline", "crm_opportunity", _pg_upsert, DEAL)
PG_REBUILD = [
    "DELETE FROM crm_openpipeline",
    _pg_upsert(f"SELECT {DEAL}, 1 AS sign FROM crm_opportunity"),
    "ANALYZE crm_openpipeline",
]


def _sqlite_upsert(row: str, sign: int, source: str) -> str:
    return (
        f"INSERT INTO crm_openpipeline (owner_id, stage_id, n, amount, weighted)"
        f" {_facts(row, str(sign))} FROM {source} WHERE {row}.closed_at IS NULL GROUP BY 1, 2"
        f" ON CONFLICT (owner_id, stage_id) DO UPDATE SET {ADDED.format(t='crm_openpipeline')}"
    )


ONE = "(SELECT 1)"  # a row's facts in a trigger: selected from one row
SQLITE, SQLITE_DROP = sqlite_triggers(
    "crm_open_pipeline", "crm_opportunity", DEAL,
    lambda row, sign: _sqlite_upsert(row, sign, ONE), "{row}.closed_at IS NULL",
)  # fmt: skip
SQLITE_REBUILD = [
    "DELETE FROM crm_openpipeline",
    _sqlite_upsert("d", 1, "crm_opportunity d"),
    "ANALYZE crm_openpipeline",
]
