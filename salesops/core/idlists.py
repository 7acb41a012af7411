"""Filtering grouped reads by a list of ids: in SQL for a few ids, in Python for many.

A read grouped by owner over a period scans the period's rows anyway. Adding `owner_id IN
(…a thousand ids…)` does not make it cheaper, and on SQLite it can make it far dearer: the
planner then walks the owner index for every id (all of each person's history) instead of the
period's date range — 27 s instead of 20 ms for "last coaching visit per person" at scale M.
So a short list filters in SQL and a long one is applied to the grouped rows.

On PostgreSQL a long list of integers that does filter in SQL (`field__in=[…]`, the visibility
scope of a region, the owners a rollup reads) is sent as one array parameter, `field =
ANY(%s)`, instead of one placeholder per id. PostgreSQL plans `IN (1, 2, …)` as that very
`= ANY(array)`, so the plan is the same; what goes is the work per id on the way there: Django
compiling a placeholder and psycopg parsing it for each of a region's ~440 ids, in each of a
page's dozen queries. The array goes as its text, `'{1,2,…}'`, joined in one call rather than
written by psycopg id by id. (`register` installs it as the `in` lookup; other databases and
short or mixed lists keep `IN`.) On every database a list of plain integers for an integer
column or a foreign key is kept as it is rather than prepared id by id: preparing would give
the same integers, after two or three calls per id (a region's funnel: ~10k calls).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Field, IntegerField, QuerySet, lookups
from django.db.models.fields.related import ForeignObject
from django.db.models.fields.related_lookups import RelatedIn

FEW = 100  # up to this many ids, the database filters
LONG = 16  # from this many integers, PostgreSQL gets one array parameter
INTEGERS = {"smallint", "integer", "bigint"}  # the column types that take it


def narrow(qs: QuerySet, field: str, ids: Any) -> tuple[QuerySet, set[Any] | None]:
    """`qs` filtered on `field` IN ids when they are few (or a subquery); otherwise `qs` as it
    is and the set of ids the caller keeps from its rows grouped by `field`."""
    if isinstance(ids, Collection) and not isinstance(ids, str | QuerySet) and len(ids) > FEW:
        return qs, set(ids)
    return qs.filter(**{f"{field}__in": ids}), None


def kept(rows: Any, key: str, keep: set[Any] | None) -> Any:
    """The grouped rows whose `key` is kept (all of them when `keep` is None)."""
    return rows if keep is None else (row for row in rows if row[key] in keep)


def _as_array(lookup: Any, compiler: Any, connection: Any) -> tuple[str, list[Any]] | None:
    """`lhs = ANY(%s)` with the values as one list parameter, for a direct list of at least
    LONG plain integers (None otherwise: the lookup's own IN)."""
    if not lookup.rhs_is_direct_value() or len(lookup.rhs) < LONG:
        return None
    values = [v for v in lookup.rhs if v is not None]  # NULL is never equal to anything
    column = lookup.lhs.output_field.db_type(connection)
    if column not in INTEGERS or not all(type(v) is int for v in values):
        return None
    lhs_sql, lhs_params = lookup.process_lhs(compiler, connection)
    # Typed as the column: an array of another integer type compares each row to every
    # element in turn, where one of the column's own type is looked up in a hash table.
    # Sent as the array's text, written here at once: psycopg would write a list of ints
    # element by element in Python (a dumper call and a quoting check per id).
    return f"{lhs_sql} = ANY(%s::{column}[])", [*lhs_params, "{" + ",".join(map(str, values)) + "}"]


class _ArrayOnPostgres:
    """An `in` lookup that PostgreSQL gets as one array when the list is long (`_as_array`)."""

    def as_postgresql(self, compiler: Any, connection: Any) -> Any:
        return _as_array(self, compiler, connection) or self.as_sql(compiler, connection)  # type: ignore[attr-defined]


def _plain_ints(rhs: Any, field: Any) -> list[int] | None:
    """A direct list of plain integers for an integer column, as it is: what preparing each
    value would give (two or three calls per id for a foreign key, for every id of every
    list of a page). None for anything else, which Django prepares."""
    if type(rhs) not in (list, tuple, set, frozenset) or not isinstance(field, IntegerField):
        return None
    values = list(rhs)
    return values if all(type(v) is int for v in values) else None


class In(_ArrayOnPostgres, lookups.In):
    def get_prep_lookup(self) -> Any:
        field = getattr(self.lhs, "output_field", None)
        plain = _plain_ints(self.rhs, field) if self.prepare_rhs else None
        return super().get_prep_lookup() if plain is None else plain


class RelatedInArray(_ArrayOnPostgres, RelatedIn):
    def get_prep_lookup(self) -> Any:
        paths = getattr(getattr(self.lhs, "output_field", None), "path_infos", None)
        target = paths[-1].target_fields[-1] if paths else None
        plain = _plain_ints(self.rhs, target)
        return super().get_prep_lookup() if plain is None else plain


def register() -> None:
    """Install the `in` lookups that send long integer lists as one array on PostgreSQL (for
    fields, and for foreign keys, whose `in` also takes model instances)."""
    Field.register_lookup(In)
    ForeignObject.register_lookup(RelatedInArray)
