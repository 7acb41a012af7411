"""Owners' spans of days in SQL, written out directly: "owner x on days d1..d2" for a few
dozen spans (stints, targets.attribution; owners' months split by a move, targets.rollups) as
one expression. Built as Q and When objects, each span is three lookups that Django resolves
and compiles one by one: for the six people who moved in a quarter, a CASE of their stints
cost ~5 ms to build per query, and a page's reads hold several. Here the owner and date
columns are compiled once and the spans are written around them, the dates passed as
parameters the way a lookup passes them (~0.3 ms).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.db.models import BooleanField, Expression, F, IntegerField

Span = tuple[int, date, date]  # an owner over local days [first, last]


def _bounds(aware: bool, first: date, last: date) -> tuple[Any, Any, str]:
    """(low, high, the operator for high) of local days [first, last] on a datetime column
    (`aware`: from local midnight to the next day's midnight) or a date column."""
    if aware:
        from salesops.targets.kpis import local_bounds

        low, after = local_bounds(first, last)
        return low, after, "<"
    return first, last, "<="


class _OwnerDays(Expression):
    """The owner (an annotation such as kpi_owner) and a date column, compiled once; each
    span is "owner = its person and the date on its days" around them."""

    def __init__(
        self, owner: str, field: str, spans: Iterable[Span], aware: bool, output_field: Any
    ) -> None:
        super().__init__(output_field=output_field)
        self.owner, self.dated = F(owner), F(field)
        self.spans, self.aware = tuple(spans), aware

    def get_source_expressions(self) -> list[Any]:
        return [self.owner, self.dated]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.owner, self.dated = exprs

    def _ranges(self, compiler: Any, connection: Any) -> tuple[list[str], list[list[Any]]]:
        """Per span, its condition's SQL and parameters."""
        owner, owner_params = compiler.compile(self.owner)
        column, column_params = compiler.compile(self.dated)
        adapt = (connection.ops.adapt_datetimefield_value if self.aware
                 else connection.ops.adapt_datefield_value)  # fmt: skip
        sql, params = [], []
        for user, first, last in self.spans:
            low, high, op = _bounds(self.aware, first, last)
            sql.append(f"({owner} = %s AND {column} >= %s AND {column} {op} %s)")
            params.append([*owner_params, user, *column_params, adapt(low),
                           *column_params, adapt(high)])  # fmt: skip
        return sql, params


class OnSpans(_OwnerDays):
    """A condition: the record's owner and date fall in one of the spans (false for none)."""

    def __init__(self, owner: str, field: str, spans: Iterable[Span], aware: bool) -> None:
        super().__init__(owner, field, spans, aware, BooleanField())

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = self._ranges(compiler, connection)
        if not sql:
            return "(1 = 0)", []
        return "(" + " OR ".join(sql) + ")", [p for each in params for p in each]


class SpanIndex(_OwnerDays):
    """Which of its owner's spans a record falls in, by the number given with each span (the
    stint's index in Stints.by_user): 0 for owners not among `moved` (tested first, by one IN
    list), else the number of the span that holds the record's date (0 when none does)."""

    def __init__(
        self, owner: str, field: str, moved: list[int], numbered: Iterable[tuple[int, Span]],
        aware: bool,
    ) -> None:  # fmt: skip
        numbered = tuple(numbered)
        super().__init__(owner, field, [s for _i, s in numbered], aware, IntegerField())
        self.moved, self.indexes = tuple(moved), tuple(i for i, _s in numbered)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        owner, owner_params = compiler.compile(self.owner)
        marks = ", ".join(["%s"] * len(self.moved))
        parts, params = [f"CASE WHEN NOT ({owner} IN ({marks})) THEN 0"], [*owner_params]
        params += self.moved
        for i, sql, more in zip(self.indexes, *self._ranges(compiler, connection), strict=True):
            parts.append(f"WHEN {sql} THEN {int(i)}")
            params += more
        return " ".join([*parts, "ELSE 0 END"]), params
