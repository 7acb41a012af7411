"""`field__in` with a long list of integers: one array parameter on PostgreSQL (`= ANY(%s)`),
the same rows as `IN (…)` gives, on every database; short or mixed lists keep `IN`."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from salesops.core import idlists, shared_reads
from salesops.crm.models import Activity
from salesops.org.models import User

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"


def _sql(qs: Any) -> tuple[list[Any], str]:
    """The rows and the SQL of the one query that read them."""
    with CaptureQueriesContext(connection) as seen:
        rows = list(qs)
    (query,) = seen.captured_queries
    return rows, query["sql"]


def _log(owner: Any, n: int) -> None:
    for i in range(n):
        Activity.objects.create(owner=owner, kind="call", subject=f"call {i}", status="done")


def test_a_long_integer_list_is_one_array_on_postgresql_with_the_same_rows(cast: Any) -> None:
    _log(cast.rep, 2)
    _log(cast.peer_rep, 1)
    everyone = sorted(User.objects.values_list("pk", flat=True))
    others = [pk for pk in everyone if pk != cast.rep.pk]
    far = list(range(10**6, 10**6 + idlists.LONG))  # ids no one has: the list is long
    by_owner = Activity.objects.order_by("pk").values_list("owner", flat=True)

    rows, sql = _sql(by_owner.filter(owner__in=[cast.rep.pk, None, *far]))
    assert rows == [cast.rep.pk] * 2  # a None in the list matches nothing, as IN does
    # typed as the column (bigint ids): an int4[] against bigint is not hashed, row by row
    assert ("= ANY('{" in sql and "::bigint[])" in sql) is POSTGRES
    assert (" IN (" in sql) is not POSTGRES

    rows, sql = _sql(by_owner.exclude(owner__in=[*others, *far]))
    assert rows == [cast.rep.pk] * 2  # negated
    assert ("= ANY(" in sql) is POSTGRES

    rows, sql = _sql(by_owner.filter(owner__in=[cast.peer_rep, *far]))
    assert rows == [cast.peer_rep.pk]  # a model instance on a foreign key counts by its id
    assert ("= ANY(" in sql) is POSTGRES

    grouped = (
        Activity.objects.filter(owner_id__in=[cast.rep.pk, cast.peer_rep.pk, *far])
        .order_by("owner")
        .values("owner")
        .annotate(n=Count("pk"))
    )
    assert [(r["owner"], r["n"]) for r in grouped] == sorted(
        [(cast.rep.pk, 2), (cast.peer_rep.pk, 1)]
    )


def test_short_and_mixed_lists_keep_in(cast: Any) -> None:
    _log(cast.rep, 1)
    by_owner = Activity.objects.values_list("owner", flat=True)
    rows, sql = _sql(by_owner.filter(owner__in=[cast.rep.pk, 10**6]))
    assert rows == [cast.rep.pk] and " IN (" in sql and "ANY(" not in sql
    names = [cast.rep.username, *(f"nobody-{i}" for i in range(idlists.LONG))]
    rows, sql = _sql(User.objects.filter(username__in=names).values_list("pk", flat=True))
    assert rows == [cast.rep.pk] and " IN (" in sql and "ANY(" not in sql


def test_a_long_list_is_shared_in_a_scope_like_any_other_read(cast: Any) -> None:
    _log(cast.rep, 3)
    ids = [cast.rep.pk, *range(10**6, 10**6 + idlists.LONG)]

    def read() -> list[Any]:
        qs = Activity.objects.filter(owner__in=ids).order_by().values("owner")
        return list(shared_reads.rows(qs.annotate(n=Count("pk"))))

    @shared_reads.scope
    def page() -> tuple[list[Any], list[Any], int]:
        with CaptureQueriesContext(connection) as seen:
            first, again = read(), read()
        return first, again, len(seen.captured_queries)

    assert page() == ([{"owner": cast.rep.pk, "n": 3}], [{"owner": cast.rep.pk, "n": 3}], 1)


def _prepared(qs: Any) -> list[Any]:
    """The values the query's one `in` lookup holds once prepared."""
    (lookup,) = qs.query.where.children
    return list(lookup.rhs)


def test_plain_integers_are_kept_as_they_are_and_anything_else_is_prepared(cast: Any) -> None:
    """An integer list for an integer column or a foreign key is what Django's preparing gives,
    without preparing each id; strings, model instances and booleans are still prepared."""
    ids = [cast.rep.pk, cast.peer_rep.pk, *range(10**6, 10**6 + idlists.LONG)]
    for field in ("owner", "owner_id", "pk", "id"):
        assert _prepared(Activity.objects.filter(**{f"{field}__in": ids})) == ids
    assert _prepared(Activity.objects.filter(owner__in={cast.rep.pk})) == [cast.rep.pk]
    assert _prepared(Activity.objects.filter(owner__in=[str(cast.rep.pk), cast.peer_rep])) == [
        cast.rep.pk, cast.peer_rep.pk,
    ]  # fmt: skip
    assert _prepared(Activity.objects.filter(pk__in=["7", 8])) == [7, 8]
    (one,) = _prepared(Activity.objects.filter(pk__in=[True]))
    assert type(one) is int and one == 1  # not kept as a bool
    with pytest.raises(ValueError, match="expected a number"):
        Activity.objects.filter(owner__in=["seven", cast.rep.pk])
    _log(cast.rep, 1)
    assert list(
        Activity.objects.filter(owner__in=[str(cast.rep.pk)]).values_list("owner", flat=True)
    ) == [cast.rep.pk]
