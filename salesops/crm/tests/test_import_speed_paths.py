"""The set-based customer import: what it stores and audits equals the one-row service, it
refuses look-alikes inside one file, reports a bad row among many by row and column, re-runs
create nothing, and its number of queries does not grow with the file."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salesops.core import bulk
from salesops.core.audit import diff, snapshot
from salesops.core.bulk import insert_rows
from salesops.core.imports import read_table
from salesops.core.models import AuditEntry
from salesops.crm.importers.accounts import CustomerImporter
from salesops.crm.importers.customer_keys import Keys
from salesops.crm.models import Customer
from salesops.crm.selectors.accounts import name_key, phone_key, tax_key
from salesops.crm.services import accounts as services
from salesops.crm.tests.test_accounts_support import customer, english  # noqa: F401
from salesops.org.models import Territory

pytestmark = pytest.mark.django_db

HEADER = "Name,Tax number,Phone,Type,Tier,Status,Industry,Size,Territory,Source,Owner (username)\n"


def rows(text: str) -> list[dict[str, str]]:
    return read_table(text.encode("utf-8"), "data.csv")


def many(count: int, start: int = 1) -> str:
    """A file of `count` distinct new customers owned by the rep."""
    lines = [
        f"Firm {n},T-{n:05d},021-{n:07d},enterprise,core,active,Retail,small,east,website,rep\n"
        for n in range(start, start + count)
    ]
    return HEADER + "".join(lines)


@pytest.fixture
def east(cast: Any) -> Territory:
    return Territory.objects.create(code="east", name="East")


def stored(customer: Customer) -> dict[str, Any]:
    """A customer's own values, without its id, name, keys and times."""
    values = snapshot(customer)
    for key in ("id", "name", "tax_number", "phone", "owned_since"):
        values.pop(key)
    return values


def test_imported_customer_and_audit_equal_what_the_service_writes(cast: Any, east: Any) -> None:
    # given a customer made by the service and the same customer imported
    made = services.customer_create(
        actor=cast.manager, name="Firm 0", owner=cast.rep, kind="enterprise", tier="core",
        status="active", industry="Retail", size="small", territory=east, source="website",
        tax_number="T-00000", phone="021-0000000",
    )  # fmt: skip
    result = CustomerImporter(cast.manager).run(rows(many(1)))
    imported = Customer.objects.get(name="Firm 1")
    # then both hold the same values, owner and start of ownership
    assert result.created == 1 and stored(imported) == stored(made)
    assert imported.owned_since is not None and imported.owner == cast.rep
    # and the import's audit entry is the one audit_record writes for it
    entry = AuditEntry.objects.get(object_type="crm.customer", object_id=str(imported.pk))
    assert (entry.action, entry.actor, entry.object_repr) == ("create", cast.manager, "Firm 1")
    assert entry.changes == diff({}, snapshot(imported))


def test_a_look_alike_inside_the_file_is_refused_at_save(cast: Any) -> None:
    # two new customers with different names but the same phone
    text = "Name,Phone\nAlpha Co,021-5555\nBeta Co,021 5555\nGamma Co,\n"
    refused = CustomerImporter(cast.rep).run(rows(text), mode="all")
    assert [str(p) for p in refused.problems] == [
        "Row 3, column Name: This customer may already exist: Alpha Co (Rep)."
    ]
    assert not refused.saved and Customer.objects.count() == 0
    skipped = CustomerImporter(cast.rep).run(rows(text), mode="skip")
    assert (skipped.created, skipped.skipped, len(skipped.problems)) == (2, 1, 1)
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["Alpha Co", "Gamma Co"]


def test_a_bad_row_among_many_is_named_and_all_or_nothing_saves_nothing(
    cast: Any, east: Any
) -> None:
    long_name = "N" * 201
    text = many(30) + f"{long_name},,,,core,,,,,,rep\n" + many(10, start=31).split("\n", 1)[1]
    result = CustomerImporter(cast.rep).run(rows(text), mode="all")
    assert [str(p) for p in result.problems] == [
        "Row 32, column Name: Ensure this value has at most 200 characters (it has 201)."
    ]
    assert (result.created, Customer.objects.count(), AuditEntry.objects.count()) == (0, 0, 0)
    skipped = CustomerImporter(cast.rep).run(rows(text), mode="skip")
    assert (skipped.created, skipped.skipped) == (40, 1)
    assert AuditEntry.objects.filter(object_type="crm.customer").count() == 40


def test_running_the_same_file_again_creates_nothing(cast: Any, east: Any) -> None:
    first = CustomerImporter(cast.rep).run(rows(many(25)))
    audits = AuditEntry.objects.count()
    again = CustomerImporter(cast.rep).run(rows(many(25)))
    assert (first.created, again.created, again.updated, again.unchanged) == (25, 0, 0, 25)
    assert Customer.objects.count() == 25 and AuditEntry.objects.count() == audits


def test_an_updated_phone_counts_for_the_rows_after_it(cast: Any) -> None:
    # the first row gives an existing customer a new phone; a later new row uses that phone
    customer(cast.rep, name="Old Co", tax_number="T-1", phone="021-1")
    text = "Name,Tax number,Phone\nOld Co,T-1,021-9\nNew Co,,021-9\n"
    result = CustomerImporter(cast.rep).run(rows(text), mode="skip")
    assert [str(p) for p in result.problems] == [
        "Row 3, column Name: This customer may already exist: Old Co (Rep)."
    ]
    assert (result.updated, result.created) == (1, 0)


def test_queries_do_not_grow_with_the_file(cast: Any, east: Any) -> None:
    counts = []
    for size, start in ((5, 1), (50, 100)):
        with CaptureQueriesContext(connection) as captured:
            result = CustomerImporter(cast.rep).run(rows(many(size, start)))
        assert result.created == size
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_insert_rows_returns_the_new_ids_in_row_order(cast: Any) -> None:
    now = timezone.now()
    ids = insert_rows(
        AuditEntry,
        ["at", "actor", "action", "object_type", "object_id", "object_repr", "changes", "reason"],
        [[now, cast.rep.pk, "create", "test.row", str(n), f"Row {n}", {"n": [None, n]}, ""]
         for n in range(3)],
    )  # fmt: skip
    saved = {e.pk: e for e in AuditEntry.objects.filter(object_type="test.row")}
    assert [(saved[pk].object_repr, saved[pk].changes, saved[pk].at) for pk in ids] == [
        (f"Row {n}", {"n": [None, n]}, now) for n in range(3)
    ]


@pytest.mark.parametrize(
    ("name", "phone", "tax"),
    [
        ("ＡＢＣ（中国）有限公司, Ltd.", "+86 (021) 5555-0101", "91-310 000 A"),
        ("  Acme · Trading/Co & Sons 'Ltd'  ", "021.1111", "t 99"),
        ("", "", ""),
    ],
)
def test_import_keys_are_the_selectors_keys(name: str, phone: str, tax: str) -> None:
    assert Keys.of(name, phone, tax) == Keys(name_key(name), phone_key(phone), tax_key(tax))


def test_insert_rows_without_ids_takes_json_as_text(cast: Any) -> None:
    now = timezone.now()
    columns = ["at", "actor", "action", "object_type", "object_id", "object_repr", "changes",
               "reason"]  # fmt: skip
    rows = [[now, None, "create", "test.raw", str(n), f"Row {n}", f'{{"n": [null, {n}]}}', ""]
            for n in range(3)]  # fmt: skip
    assert insert_rows(AuditEntry, columns, rows, ids=False, raw=("changes",)) == []
    saved = AuditEntry.objects.filter(object_type="test.raw").order_by("pk")
    assert [(e.object_id, e.changes) for e in saved] == [
        (str(n), {"n": [None, n]}) for n in range(3)
    ]


def test_audit_changes_are_the_text_django_writes(cast: Any, east: Any) -> None:
    # given an imported customer
    CustomerImporter(cast.manager).run(rows(many(1)))
    imported = Customer.objects.get(name="Firm 1")
    entry = AuditEntry.objects.get(object_type="crm.customer", object_id=str(imported.pk))
    # then its changes read back as the service's, and are stored as Django stores them
    assert entry.changes == diff({}, snapshot(imported))
    with connection.cursor() as cursor:
        cursor.execute("SELECT changes FROM core_auditentry WHERE id = %s", [entry.pk])
        stored = cursor.fetchone()[0]
    if connection.vendor == "sqlite":  # PostgreSQL keeps jsonb, not the text
        assert stored == json.dumps(diff({}, snapshot(imported)))


def test_audit_changes_keep_text_beyond_ascii(cast: Any, east: Any) -> None:
    # given a customer imported with Chinese text (PostgreSQL is sent the characters as they
    # are, SQLite the \u escapes Django writes)
    text = 'Name,Tax number,Phone,Address\n杭州华辰科技,T-9,021-9,"西湖区 ""一号"""\n'
    CustomerImporter(cast.manager).run(rows(text))
    imported = Customer.objects.get(name="杭州华辰科技")
    entry = AuditEntry.objects.get(object_type="crm.customer", object_id=str(imported.pk))
    # then the entry reads back as the service's, quotes and all
    assert entry.changes == diff({}, snapshot(imported))
    assert entry.changes["address"] == [None, '西湖区 "一号"']
    with connection.cursor() as cursor:
        cursor.execute("SELECT changes FROM core_auditentry WHERE id = %s", [entry.pk])
        stored = cursor.fetchone()[0]
    if connection.vendor == "sqlite":
        assert stored == json.dumps(diff({}, snapshot(imported)))


def test_new_rows_around_a_matched_one_are_created_in_file_order(cast: Any) -> None:
    # a new row, then a row that updates an existing customer, then another new row
    old = customer(cast.rep, name="Old Co", tax_number="T-1", phone="021-1")
    text = "Name,Tax number,Phone\nFirst Co,T-2,021-2\nOld Co,T-1,021-9\nLast Co,T-3,021-3\n"
    result = CustomerImporter(cast.rep).run(rows(text))
    # then both new customers are created, in file order, each with its creation entry
    assert (result.created, result.updated, result.problems) == (2, 1, [])
    first, last = (Customer.objects.get(name=n) for n in ("First Co", "Last Co"))
    assert first.pk < last.pk and Customer.objects.get(pk=old.pk).phone == "021-9"
    created = AuditEntry.objects.filter(object_type="crm.customer", action="create")
    assert sorted(created.values_list("object_id", flat=True)) == sorted(
        [str(first.pk), str(last.pk)]
    )


def test_insert_rows_numbers_rows_across_statements_and_batches(
    cast: Any, monkeypatch: Any
) -> None:
    # given SQLite statements of 2 rows and batches of 5 (a large import's thousands, shrunk)
    monkeypatch.setattr(bulk, "STATEMENT_ROWS", 2)
    monkeypatch.setattr(bulk, "BATCH", 5)
    now = timezone.now()
    columns = ["at", "actor", "action", "object_type", "object_id", "object_repr", "changes",
               "reason"]  # fmt: skip
    ids = insert_rows(
        AuditEntry, columns,
        [[now, cast.rep.pk, "create", "test.split", str(n), f"Row {n}", {"n": n}, ""]
         for n in range(12)],
    )  # fmt: skip
    # then every row is stored once, and the ids come back in row order
    saved = {e.pk: e for e in AuditEntry.objects.filter(object_type="test.split")}
    assert len(saved) == 12 and len(ids) == 12
    assert [(saved[pk].object_id, saved[pk].changes) for pk in ids] == [
        (str(n), {"n": n}) for n in range(12)
    ]
