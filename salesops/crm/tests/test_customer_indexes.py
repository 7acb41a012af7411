"""The customers' and audit log's indexes after all migrations (crm 0010, core 0003): what a
query uses stays, what none uses is gone, so that a large import keeps fewer indexes up to date.
Searching by phone or tax number still has its substring index on each database."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> dict[str, Any]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name: c for name, c in found.items() if c["index"] and not c["primary_key"]}


def _by_columns(table: str) -> dict[tuple[str, ...], list[str]]:
    columns: dict[tuple[str, ...], list[str]] = {}
    for name, c in _indexes(table).items():
        columns.setdefault(tuple(c["columns"] or ()), []).append(name)
    return columns


def _pattern_ops(table: str) -> list[str]:
    """PostgreSQL indexes for case-sensitive prefix matching (varchar_pattern_ops)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [table, "%pattern_ops%"],
        )
        return [row[0] for row in cursor.fetchall()]


def test_customers_keep_the_indexes_their_queries_use_and_no_others() -> None:
    columns = _by_columns("crm_customer")
    assert columns[("name",)] == ["crm_customer_name_idx"]  # lists sort by name
    assert ("owner_id", "tier") in columns  # every look-up by owner
    assert ("tier", "last_contact_at") in columns and ("last_contact_at",) in columns
    for gone in [("phone",), ("tax_number",), ("owner_id",)]:
        assert gone not in columns, gone
    assert _pattern_ops("crm_customer") == []


def test_phone_and_tax_number_are_still_searched_from_an_index() -> None:
    if connection.vendor == "postgresql":
        trigram = [n for n, c in _indexes("crm_customer").items() if c["type"] == "gin"]
        assert {"crm_customer_name_trgm", "crm_customer_phone_trgm",
                "crm_customer_tax_number_trgm"} <= set(trigram)  # fmt: skip
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'crm_customer_text'")
            (sql,) = cursor.fetchone()
        assert "phone" in sql and "tax_number" in sql and "trigram" in sql


def test_the_owner_keeps_its_foreign_key_without_an_index_of_its_own() -> None:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "crm_customer")
    keys = [c for c in found.values() if c["foreign_key"] and c["columns"] == ["owner_id"]]
    assert keys and keys[0]["foreign_key"][0] == "org_user"


def test_audit_entries_are_found_by_type_through_the_type_and_id_index() -> None:
    columns = _by_columns("core_auditentry")
    assert ("object_type", "object_id") in columns and ("at",) in columns
    assert ("object_type",) not in columns
    assert _pattern_ops("core_auditentry") == []
