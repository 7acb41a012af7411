"""The customer list's search box (name, phone or tax number containing the text, any case)
and, on PostgreSQL, the trigram indexes that answer it without reading every customer."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory

from salesops.core.lists import list_context
from salesops.crm.models import Customer
from salesops.crm.tests.test_accounts_support import customer
from salesops.crm.views.accounts import customer_list_source
from salesops.org.models import User

pytestmark = pytest.mark.django_db


def _search(who: Any, text: str, **params: Any) -> tuple[list[str], int]:
    request = RequestFactory().get("/", {"q": text, **params})
    request.user = User.objects.get(pk=who.pk)
    page = list_context(request, *customer_list_source(request))
    return [c.name for c in page["page"]], page["totals"]["count"]


def _customers(cast: Any) -> None:
    customer(cast.rep, name="杭州华辰科技有限公司", phone="021-5550001", tax_number="9131A")
    customer(cast.rep, name="上海华辰物流有限公司")
    customer(cast.peer_rep, name="北京华辰科技集团有限公司", tax_number="9131B")
    customer(cast.outside_rep, name="深圳华辰科技有限公司")
    customer(None, name="成都华辰科技有限公司")
    customer(cast.rep, name="Acme Trading Ltd", phone="13900001111")


def test_search_matches_part_of_the_name_within_the_visible_customers(cast: Any) -> None:
    _customers(cast)
    assert _search(cast.rep, "华辰科") == (["杭州华辰科技有限公司"], 1)
    assert _search(cast.supervisor, "华辰科") == (
        ["北京华辰科技集团有限公司", "杭州华辰科技有限公司"],
        2,
    )
    assert _search(cast.director, "华辰科") == (
        ["北京华辰科技集团有限公司", "杭州华辰科技有限公司", "深圳华辰科技有限公司"],
        3,
    )
    assert _search(cast.rep, "华辰科", pool="all") == (
        ["成都华辰科技有限公司", "杭州华辰科技有限公司"],
        2,
    )


def test_search_matches_phone_and_tax_number_and_ignores_case(cast: Any) -> None:
    _customers(cast)
    assert _search(cast.rep, "5550001") == (["杭州华辰科技有限公司"], 1)
    assert _search(cast.supervisor, "9131") == (
        ["北京华辰科技集团有限公司", "杭州华辰科技有限公司"],
        2,
    )
    assert _search(cast.rep, "acme TRADING") == (["Acme Trading Ltd"], 1)
    assert _search(cast.rep, "no such text") == ([], 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes: PostgreSQL")
@pytest.mark.parametrize("column", ["name", "phone", "tax_number"])
def test_the_search_sql_matches_the_trigram_indexes_on_postgresql(cast: Any, column: str) -> None:
    """Django writes icontains as UPPER(column::text) LIKE UPPER(%s): the index expression
    must be the same for PostgreSQL to use it (sequential scans are ruled out to ask)."""
    _customers(cast)
    rows = Customer.objects.filter(**{f"{column}__icontains": "华辰科"}).order_by()
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert f"Bitmap Index Scan on crm_customer_{column}_trgm" in plan, plan
