"""The indexes insights keeps on the CRM's tables exist after all migrations, with the columns
its reads rely on (insights 0006: the deals a unit opened, by owner and opening date, covering
stage and amount; 0007: the open deals by owner and expected close, covering the forecast)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _definition(name: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s",
                           [name])  # fmt: skip
        row = cursor.fetchone()
    assert row, f"{name} is missing"
    return " ".join(row[0].replace('"', "").split())


def test_the_deals_a_unit_opened_are_indexed_by_owner_and_opening_date() -> None:
    text = _definition("insights_funnel_opp_owner_opened")
    if connection.vendor == "postgresql":
        assert "(owner_id, created_at) INCLUDE (stage_id, amount)" in text
    else:
        assert "(owner_id, created_at, stage_id, amount)" in text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL index (insights 0007)")
def test_the_forecasts_open_deals_are_covered_by_their_index(client_for: Any) -> None:
    """The forecast's reads of a unit's open deals (per month and category, per person and
    category) use no column of the deals that insights 0007's index does not hold, so
    PostgreSQL can read them from the index alone (at scale M it does; a test's few rows are
    planned any way)."""
    text = _definition("insights_forecast_open")
    head = (
        "(owner_id, expected_close) INCLUDE (forecast_category, amount, probability, stage_id, id)"
    )
    assert head in text and text.endswith("WHERE (closed_at IS NULL)")
    covered = {"owner_id", "expected_close", "forecast_category", "amount", "probability",
               "stage_id", "id", "closed_at"}  # fmt: skip
    client = client_for("manager")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("insights:forecast")).status_code == 200
    reads = [sql for sql in (q["sql"] for q in queries.captured_queries)
             if '"forecast_category"' in sql and '"closed_at" IS NULL' in sql]  # fmt: skip
    assert len(reads) >= 2
    for sql in reads:
        assert set(re.findall(r'"crm_opportunity"\."(\w+)"', sql)) <= covered, sql
