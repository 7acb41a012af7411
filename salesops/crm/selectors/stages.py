"""Filtering records by the kind of their stage (open, won, lost) without joining the stages.

Joined, `stage.kind IN ('won', 'lost')` lets PostgreSQL plan a loop over the matching stages,
with a bitmap of every deal in each stage ANDed to the date or owner index (a team's quarter
at scale M: 39 ms). Written as `stage_id = ANY(ARRAY(SELECT id FROM crm_stage WHERE kind IN
(...)))`, the stage ids are read once inside the query (an InitPlan) and the deals come from
the date or owner index alone (14 ms); the answer is the same and needs no extra query. SQLite
keeps the join: its plans read the stage from the covering indexes either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Expression, F, Q

from salesops.crm.models import Stage


class _OfStageKind(Expression):
    """True when the stage id in `field` is one of the stages of `kinds` (PostgreSQL)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, field: str, kinds: tuple[str, ...]) -> None:
        super().__init__()
        self.column: Any = F(field)
        self.kinds = kinds

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.column,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.column)
        marks = ", ".join(["%s"] * len(self.kinds))
        table = connection.ops.quote_name(Stage._meta.db_table)
        ids = f"SELECT id FROM {table} WHERE kind IN ({marks})"  # noqa: S608 - placeholders only
        return f"{column} = ANY(ARRAY({ids}))", [*params, *self.kinds]


def of_stage_kind(*kinds: str, field: str = "stage") -> Q:
    """Records whose stage (the foreign key `field`) is of one of `kinds`."""
    if connection.vendor == "postgresql":
        return Q(_OfStageKind(f"{field}_id", kinds))
    if len(kinds) == 1:
        return Q(**{f"{field}__kind": kinds[0]})
    return Q(**{f"{field}__kind__in": kinds})


def stage_ids(kind: str) -> list[int]:
    """The ids of the stages of a kind, read as values (a few rows): for a filter that should
    compare plain ids, which the planner can match against an index on the stage column."""
    return list(Stage.objects.filter(kind=kind).values_list("pk", flat=True))
