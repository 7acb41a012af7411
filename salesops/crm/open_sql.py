"""The SQL that keeps crm.OpenPipeline, crm.StageTotal and crm.CloseMonthTotal: triggers and
the full rebuild.

Each deal of a rollup is one fact for its owner and stage (and, for CloseMonthTotal, the month
of its expected close): 1, its amount and its weighted amount ((amount in cents × probability
+ 50) / 100 in integers, as `crm.selectors.sales.weighted_amount` computes it). OpenPipeline
holds the deals without a close date (readers keep only the stages of kind "open");
StageTotal every deal, open or closed (the deal list's totals for a status or a stage);
CloseMonthTotal every deal with an expected close date (the deal list's totals over whole
months of expected close). A write adds the facts of the new rows and subtracts those of the
old ones: PostgreSQL per statement from its transition tables (`rollup_sql.pg_triggers`),
SQLite per row.

Migrations import this module (crm 0014, 0022, 0023), so keep what it produces stable.
"""

# ruff: noqa: S608 -- the SQL is built from this module's constants only
from __future__ import annotations

from dataclasses import dataclass

from salesops.crm.rollup_sql import pg_triggers, sqlite_triggers

DEAL = "owner_id, stage_id, amount, probability, closed_at"
WEIGHTED = "({row}.amount * {row}.probability + 50) / 100"
ADDED = "n = {t}.n + excluded.n, amount = {t}.amount + excluded.amount, weighted = {t}.weighted + excluded.weighted"  # noqa: E501
ONE = "(SELECT 1)"  # a row's facts in a trigger: selected from one row


@dataclass(frozen=True)
class KeptSQL:
    """A rollup's statements, as every module listed in crm.services.rollups.KEPT has them."""

    POSTGRESQL: list[str]
    POSTGRESQL_DROP: list[str]
    PG_REBUILD: list[str]
    SQLITE: list[str]
    SQLITE_DROP: list[str]
    SQLITE_REBUILD: list[str]


@dataclass(frozen=True)
class Key:
    """A rollup's key: owner and stage, and with `month` (a date column of the deal) also the
    first day of that date's month."""

    month: str = ""

    @property
    def columns(self) -> str:
        return "owner_id, stage_id, month" if self.month else "owner_id, stage_id"

    @property
    def group(self) -> str:
        return "1, 2, 3" if self.month else "1, 2"

    @property
    def deal(self) -> str:
        """The deal columns the facts read (and an UPDATE of which the triggers follow)."""
        return f"{DEAL}, {self.month}" if self.month else DEAL

    def _month(self, row: str, pg: bool) -> str:
        column = f"{row}.{self.month}"
        if pg:
            return f" date_trunc('month', {column}::timestamp)::date AS month,"
        return f" date({column}, 'start of month') AS month,"

    def facts(self, row: str, sign: str, pg: bool) -> str:
        """The summed facts of the deals `row` with `sign` (a number or a column)."""
        month = self._month(row, pg) if self.month else ""
        return (
            f"SELECT {row}.owner_id, {row}.stage_id,{month} SUM({sign}) AS n,"
            f" SUM({sign} * {row}.amount) AS amount, SUM({sign} * {WEIGHTED.format(row=row)}) AS w"
        )


def per_owner_and_stage(name: str, table: str, kept: str, key: Key = Key()) -> KeptSQL:
    """The statements that keep `table` (the `key` columns, n, amount, weighted) from the
    deals for which `kept` holds (`{row}`: the deal), its triggers called `name`."""
    into = f"({key.columns}, n, amount, weighted)"

    def pg_upsert(rows: str) -> str:
        return (
            f"WITH d AS ({rows}) INSERT INTO {table} AS r"
            f" {into} {key.facts('d', 'd.sign', True)}"
            f" FROM d WHERE {kept.format(row='d')} GROUP BY {key.group}"
            " HAVING SUM(d.sign) <> 0 OR SUM(d.sign * d.amount) <> 0"
            f" OR SUM(d.sign * {WEIGHTED.format(row='d')}) <> 0 ORDER BY {key.group}"
            f" ON CONFLICT ({key.columns}) DO UPDATE SET {ADDED.format(t='r')}"
        )

    def sqlite_upsert(row: str, sign: int, source: str) -> str:
        return (
            f"INSERT INTO {table} {into}"
            f" {key.facts(row, str(sign), False)} FROM {source} WHERE {kept.format(row=row)}"
            f" GROUP BY {key.group}"
            f" ON CONFLICT ({key.columns}) DO UPDATE SET {ADDED.format(t=table)}"
        )

    pg, pg_drop = pg_triggers(name, "crm_opportunity", pg_upsert, key.deal)
    lite, lite_drop = sqlite_triggers(
        name, "crm_opportunity", key.deal, lambda row, sign: sqlite_upsert(row, sign, ONE), kept
    )
    return KeptSQL(
        POSTGRESQL=pg,
        POSTGRESQL_DROP=pg_drop,
        PG_REBUILD=[
            f"DELETE FROM {table}",
            pg_upsert(f"SELECT {key.deal}, 1 AS sign FROM crm_opportunity"),
            f"ANALYZE {table}",
        ],
        SQLITE=lite,
        SQLITE_DROP=lite_drop,
        SQLITE_REBUILD=[
            f"DELETE FROM {table}",
            sqlite_upsert("d", 1, "crm_opportunity d"),
            f"ANALYZE {table}",
        ],
    )


OPEN = per_owner_and_stage("crm_open_pipeline", "crm_openpipeline", "{row}.closed_at IS NULL")
STAGE_TOTAL = per_owner_and_stage("crm_stage_total", "crm_stagetotal", "{row}.owner_id IS NOT NULL")
CLOSE_MONTH_TOTAL = per_owner_and_stage(
    "crm_close_month_total", "crm_closemonthtotal",
    "{row}.owner_id IS NOT NULL AND {row}.expected_close IS NOT NULL", Key("expected_close"),
)  # fmt: skip

# crm 0014 reads these names
POSTGRESQL, POSTGRESQL_DROP, PG_REBUILD = OPEN.POSTGRESQL, OPEN.POSTGRESQL_DROP, OPEN.PG_REBUILD
SQLITE, SQLITE_DROP, SQLITE_REBUILD = OPEN.SQLITE, OPEN.SQLITE_DROP, OPEN.SQLITE_REBUILD
