"""The customers' text index on SQLite (crm 0007, core.textindex): the search finds exactly
what a scan with the same `icontains` filter finds, after every kind of write, and it is used
only where it can answer (SQLite, indexed fields, three characters or more)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Q

from salesops.core.selectors import search
from salesops.crm.models import Customer
from salesops.crm.tests.test_accounts_support import customer

pytestmark = pytest.mark.django_db

FIELDS = ("name", "phone", "tax_number")
NAMES = [
    "杭州华辰科技有限公司",
    "北京华辰科技集团",
    "Acme Trading Ltd",
    "ÄPFEL und Müller GmbH",
    'The "Quoted" Company',
    "50% Off Outlet",
    "under_score & co",
    r"back\slash ltd",
    "  spaced   out  ",
]
TEXTS = [
    "华辰科", "华辰", "华", "acme", "ACME TRADING", "trading ltd", "äpfel", "ÄPFEL", "müller",
    "MÜLLER", '"quoted"', 'e "Q', "50%", "% Off", "under_", "r_s", r"k\s", "ck\\", "ed   ou",
    "13900", "9131", "no such text", "LTD",
]  # fmt: skip


def _scan(fields: tuple[str, ...], text: str) -> set[int]:
    q = Q()
    for name in fields:
        q |= Q(**{f"{name}__icontains": text})
    return set(Customer.objects.filter(q).values_list("pk", flat=True))


def _found(fields: tuple[str, ...], text: str) -> set[int]:
    return set(search(Customer.objects.all(), fields, text).values_list("pk", flat=True))


def _customers(owner: Any) -> None:
    for i, name in enumerate(NAMES):
        customer(owner, name=name, phone=f"1390000{i:04d}", tax_number=f"9131{i:02d}X")


@pytest.mark.parametrize("fields", [FIELDS, ("name",), ("phone", "tax_number")])
def test_the_search_finds_what_a_scan_finds(cast: Any, fields: tuple[str, ...]) -> None:
    _customers(cast.rep)
    for text in TEXTS:
        assert _found(fields, text) == _scan(fields, text), text
    assert _found(FIELDS, "华辰科") and _found(FIELDS, "Acme") and _found(FIELDS, "13900")


def test_the_index_follows_inserts_changes_and_deletes(cast: Any) -> None:
    _customers(cast.rep)
    acme = Customer.objects.get(name="Acme Trading Ltd")
    acme.name = "Zenith Holdings"
    acme.save()
    Customer.objects.filter(name__startswith="杭州").update(phone="020-88887777")
    Customer.objects.bulk_create(
        [Customer(name=f"Bulk Loaded {i}", owner=cast.rep) for i in range(3)]
    )
    Customer.objects.filter(name="北京华辰科技集团").delete()
    for text in ("acme", "zenith", "88887777", "华辰科", "bulk loaded", "北京华辰"):
        assert _found(FIELDS, text) == _scan(FIELDS, text), text
    assert _found(FIELDS, "acme") == set()
    assert _found(FIELDS, "zenith") == {acme.pk}
    assert len(_found(FIELDS, "Bulk Loaded")) == 3
    assert _found(FIELDS, "北京华辰") == set()


def test_the_index_narrows_only_where_it_can_answer(cast: Any) -> None:
    def sql(fields: tuple[str, ...], text: str) -> str:
        return str(search(Customer.objects.all(), fields, text).query)

    sqlite = connection.vendor == "sqlite"
    assert ("MATCH" in sql(FIELDS, "华辰科")) is sqlite
    assert ("MATCH" in sql(("name",), "acme")) is sqlite
    assert "MATCH" not in sql(FIELDS, "华辰")  # no trigram in two characters: a scan
    assert "MATCH" not in sql(("name", "industry"), "acme")  # industry is not indexed
    assert "MATCH" not in sql(FIELDS, "")


def test_the_triggers_that_keep_the_index_exist_after_all_migrations() -> None:
    """A migration that rebuilds crm_customer on SQLite drops its triggers with the old table;
    it must create them again (crm 0007's SQL). PostgreSQL has no such index."""
    wanted = {f"crm_customer_text_{op}" for op in ("insert", "delete", "update")}
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT name FROM sqlite_master"
                        " WHERE tbl_name = 'crm_customer' AND type = 'trigger'")  # fmt: skip
        else:
            cur.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'crm_customer'::regclass")
        triggers = {row[0] for row in cur.fetchall()}
    assert triggers >= wanted if connection.vendor == "sqlite" else not triggers & wanted
