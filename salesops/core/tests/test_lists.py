"""core.lists: the list paginator (a count computed with the totals is reused, page rows are
fetched by id) and list_context (what a list page shows, without rendering)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, F
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from salesops.core.lists import Col, ListPaginator, ListSpec, list_context
from salesops.core.models import SavedFilter

pytestmark = pytest.mark.django_db


def _filters(cast: Any, n: int) -> list[SavedFilter]:
    """n saved filters named f00.. of alternating owners, the rep's and the manager's."""
    owners = [cast.rep, cast.manager]
    return [
        SavedFilter.objects.create(
            owner=owners[i % 2], list_name="deals", name=f"f{i:02d}", query="x=1"
        )
        for i in range(n)
    ]


def _rows(cast: Any) -> Any:
    return SavedFilter.objects.select_related("owner").order_by("-name", "-pk")


def test_a_given_count_is_used_without_counting(cast: Any) -> None:
    _filters(cast, 7)
    with CaptureQueriesContext(connection) as queries:
        paginator = ListPaginator(_rows(cast), 3, count=7)
        assert (paginator.count, paginator.num_pages) == (7, 3)
    assert len(queries) == 0


def test_page_rows_are_fetched_by_id_in_the_list_order(cast: Any) -> None:
    _filters(cast, 7)
    pages = [ListPaginator(_rows(cast), 3, count=7).page(n) for n in (1, 2, 3)]
    names = [[f.name for f in page.object_list] for page in pages]
    assert names == [["f06", "f05", "f04"], ["f03", "f02", "f01"], ["f00"]]
    assert [f.owner.username for f in pages[0].object_list] == ["rep", "manager", "rep"]
    with CaptureQueriesContext(connection) as queries:
        list(ListPaginator(_rows(cast), 3, count=7).page(2).object_list)
    assert len(queries) == 1  # ids and rows in one query; owners joined for those rows only
    assert "IN (SELECT" in queries[0]["sql"].upper()


def test_without_a_count_the_paginator_counts(cast: Any) -> None:
    _filters(cast, 4)
    paginator = ListPaginator(SavedFilter.objects.order_by("name"), 3)
    assert paginator.count == 4
    assert [f.name for f in paginator.page(2).object_list] == ["f03"]


def test_an_empty_list_has_one_empty_page(cast: Any) -> None:
    page = ListPaginator(_rows(cast), 3, count=0).page(1)
    assert list(page.object_list) == []
    assert page.paginator.num_pages == 1


SPEC = ListSpec(
    name="deals",
    columns=[Col("name", "Name", sort="name"), Col("owner", "Owner", sort="owner__username")],
    search=["name"],
    totals={"count": Count("pk")},
    default_sort="name",
    per_page=2,
)


def _context(cast: Any, **params: Any) -> dict[str, Any]:
    request = RequestFactory().get("/", params)
    request.user = cast.rep
    return list_context(request, SPEC, _rows(cast))


def test_list_context_counts_once_with_the_totals(cast: Any) -> None:
    _filters(cast, 5)
    with CaptureQueriesContext(connection) as queries:
        page = _context(cast, sort="-owner", page="2")
        names = [f.name for f in page["page"].object_list]
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1  # the totals' count serves the paginator too
    assert page["totals"] == {"count": 5}
    assert (page["page"].number, page["page"].paginator.num_pages) == (2, 3)
    assert names == ["f00", "f03"]  # the rep's f04 f02 f00, then the manager's f03 f01
    assert page["sort"] == "-owner" and page["querystring"] == "sort=-owner"


def test_list_context_search_and_out_of_range_page(cast: Any) -> None:
    _filters(cast, 12)
    page = _context(cast, q="f1", page="9")
    assert page["totals"] == {"count": 2}
    assert [f.name for f in page["page"].object_list] == ["f10", "f11"]
    assert list(page["saved_filters"]) == list(
        SavedFilter.objects.filter(owner=cast.rep, list_name="deals").order_by("name")
    )


def test_a_column_sorted_by_a_function_gets_the_filtered_rows_and_the_direction(
    cast: Any,
) -> None:
    _filters(cast, 3)
    calls: list[tuple[str, bool]] = []

    def by_owner_name(qs: Any, desc: bool) -> Any:
        calls.append((str(qs.query), desc))
        return F("owner__username").desc() if desc else F("owner__username").asc()

    spec = replace(SPEC, columns=[*SPEC.columns[:1], Col("owner", "Owner", sort=by_owner_name)])
    for sort, names in (("owner", ["f01", "f00", "f02"]), ("-owner", ["f02", "f00"])):
        request = RequestFactory().get("/", {"sort": sort, "q": "f0"})
        request.user = cast.rep
        page = list_context(request, spec, _rows(cast))
        assert [f.name for f in page["page"].object_list] == names[:2]
        assert page["sort"] == sort
    assert [desc for _sql, desc in calls] == [False, True]
    assert all("LIKE" in sql.upper() for sql, _desc in calls)  # given the rows searched
    assert spec.columns[1].sortable and not Col("x", "X").sortable
