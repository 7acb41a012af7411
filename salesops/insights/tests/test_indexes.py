"""The indexes insights keeps on the CRM's tables exist after all migrations, with the columns
its reads rely on (insights 0006: the deals a unit opened, by owner and opening date, covering
stage and amount)."""

from __future__ import annotations

import pytest
from django.db import connection

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
