"""Reads a page makes more than once, made once.

A dashboard is put together from parts that each read what they need: the team table reads the
people's won revenue for their targets, the dashboard reads the same won revenue for its
figures, and both read who was in which unit over the period. When two parts issue the very
same grouped read, the second one is answered from the first.

The sharing is limited to a *scope*: a read-only selector decorated with `@scope` (a page's
data). Inside it, `rows(qs)` keeps the rows of a grouped `values()` query under its SQL and
parameters, and `once(key, compute)` keeps any other computed read (the stints of a window).
Nothing is kept outside a scope or after it ends, so a write can never be hidden by a kept read:
the selectors that open a scope do not write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ValuesIterable

_KEPT: ContextVar[dict[Any, Any] | None] = ContextVar("salesops_shared_reads", default=None)

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def scope(func: F) -> F:
    """Decorate a read-only selector: the same reads within one call are made once (a scope
    opened inside another one joins it)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _KEPT.get() is not None:
            return func(*args, **kwargs)
        token = _KEPT.set({})
        try:
            return func(*args, **kwargs)
        finally:
            _KEPT.reset(token)

    return wrapper  # type: ignore[return-value]


def active() -> bool:
    """Whether a scope is open (reads are being kept)."""
    return _KEPT.get() is not None


def once(key: Any, compute: Callable[[], T]) -> T:
    """`compute()`, made once per scope for `key` (every time outside a scope)."""
    kept = _KEPT.get()
    if kept is None:
        return compute()
    if key not in kept:
        kept[key] = compute()
    return kept[key]  # type: ignore[no-any-return]


def rows(qs: QuerySet) -> Iterable[Any]:
    """The rows of a `values()` query, read once per scope for its SQL and parameters. The rows
    are shared: callers read them and do not change them. The query is compiled once, for its
    key and its read."""
    if _KEPT.get() is None:
        return qs
    compiler = qs.query.get_compiler(qs.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # a filter nothing can meet (an empty id list): no rows
        return []
    # A long id list is one list parameter on PostgreSQL (core.idlists): keyed as a tuple
    key = ("rows", qs.db, sql, tuple(tuple(p) if type(p) is list else p for p in params))
    try:
        hash(key)
    except TypeError:  # a parameter nothing can key (a list of lists): read it as it comes
        return list(qs)
    return once(key, lambda: _read(qs, compiler, sql, params))


def _read(qs: QuerySet, compiler: Any, sql: str, params: Any) -> list[Any]:
    """The rows of a compiled query as iterating it gives them (a values() query's dicts, its
    values converted as Django converts them), without compiling it a second time."""
    if qs._iterable_class is not ValuesIterable:
        return list(qs)
    query = qs.query
    names = list(query.selected or [*query.extra_select, *query.values_select,
                                     *query.annotation_select])  # fmt: skip
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    return [dict(zip(names, row, strict=False)) for row in compiler.results_iter([fetched])]
