"""Imports of customers, contacts and leads: problems by row and column, modes, idempotence,
duplicate refusal, Excel files, and the import page."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from salesops.core.imports import read_table
from salesops.crm.importers.accounts import ContactImporter, CustomerImporter, LeadImporter
from salesops.crm.models import Contact, Customer, Lead
from salesops.crm.tests.test_accounts_support import (
    contact,
    customer,
    english,  # noqa: F401
    english_client,
)
from salesops.org.models import Territory

pytestmark = pytest.mark.django_db

GOOD_CUSTOMERS = (
    "Name,Tax number,Phone,Tier,Status,Territory,Industry,Owner (username)\n"
    "Acme Trading,91310000A,021-1111,Key,active,east,Retail,rep\n"
    "Beta Works,,021-2222,strategic,,,Energy,\n"
)
BAD_CUSTOMERS = (
    "Name,Tier,Territory,Owner (username)\n"
    "Good One,core,,\n"
    "Bad Tier,platinum,,\n"
    ",general,,\n"
    "Bad Place,key,mars,\n"
    "Bad Owner,key,,outside_rep\n"
)


def rows(text: str) -> list[dict[str, str]]:
    return read_table(text.encode("utf-8"), "data.csv")


@pytest.fixture
def east(cast):
    return Territory.objects.create(code="east", name="East")


def test_customers_import_and_second_run_changes_nothing(cast, east):
    # when the rep imports two customers
    first = CustomerImporter(cast.rep).run(rows(GOOD_CUSTOMERS))
    # then both are created with parsed choices and owners
    assert (first.created, first.updated, first.unchanged, first.problems) == (2, 0, 0, [])
    acme = Customer.objects.get(name="Acme Trading")
    assert (acme.tier, acme.status, acme.territory, acme.owner) == ("key", "active", east, cast.rep)
    assert Customer.objects.get(name="Beta Works").owner == cast.rep  # blank owner: the importer
    # and importing the same file again reports every row unchanged
    second = CustomerImporter(cast.rep).run(rows(GOOD_CUSTOMERS))
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert Customer.objects.count() == 2


def test_customer_row_with_a_new_value_updates(cast, east):
    CustomerImporter(cast.rep).run(rows(GOOD_CUSTOMERS))
    changed = GOOD_CUSTOMERS.replace("Retail", "Wholesale")
    result = CustomerImporter(cast.rep).run(rows(changed))
    assert (result.updated, result.unchanged) == (1, 1)
    assert Customer.objects.get(name="Acme Trading").industry == "Wholesale"


def test_every_bad_row_is_reported_and_all_or_nothing_saves_nothing(cast):
    result = CustomerImporter(cast.rep).run(rows(BAD_CUSTOMERS), mode="all")
    assert [str(p) for p in result.problems] == [
        "Row 3, column Tier: Unknown value “platinum”; use one of: Strategic, Key, Core, General.",
        "Row 4, column Name: This column is required.",
        "Row 5, column Territory: Unknown territory “mars”.",
        "Row 6, column Owner (username): “outside_rep” is not someone you may give records to.",
    ]
    assert not result.saved and result.created == 0
    assert Customer.objects.count() == 0


def test_skip_mode_saves_the_good_rows(cast):
    result = CustomerImporter(cast.rep).run(rows(BAD_CUSTOMERS), mode="skip")
    assert result.saved and (result.created, result.skipped, len(result.problems)) == (1, 4, 4)
    assert list(Customer.objects.values_list("name", flat=True)) == ["Good One"]


def test_duplicate_customer_rows_are_refused(cast):
    customer(cast.outside_rep, name="Gamma Ltd", phone="0755-1234")
    text = "Name,Phone\nGamma Limited,0755 1234\nDelta,\nDelta,\n"
    result = CustomerImporter(cast.rep).run(rows(text), mode="skip")
    assert [str(p) for p in result.problems] == [
        "Row 2, column Name: Looks like an existing customer: Gamma Ltd (Outside Rep: same phone).",
        "Row 4, column Name: The same record as row 3.",
    ]
    assert result.created == 1 and Customer.objects.filter(name="Delta").count() == 1


def test_a_matching_customer_of_someone_else_is_not_updated(cast):
    theirs = customer(cast.outside_rep, name="Theirs Co", industry="Retail")
    result = CustomerImporter(cast.rep).run(rows("Name,Industry\nTheirs Co,Energy\n"))
    assert [str(p) for p in result.problems] == [
        "Row 2, column Name: It exists already and belongs to Outside Rep."
    ]
    assert Customer.objects.get(pk=theirs.pk).industry == "Retail"


def test_tax_number_matches_a_customer_with_a_different_name(cast):
    acme = customer(cast.rep, name="Acme", tax_number="T-99")
    result = CustomerImporter(cast.rep).run(rows("Name,Tax number\nAcme Group,t99\n"))
    assert result.updated == 1
    assert Customer.objects.get(pk=acme.pk).name == "Acme Group"


def test_excel_file_imports_like_csv(cast):
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Tier", "Phone"])
    sheet.append(["Excel Co", "Core", 2155550000])
    buffer = io.BytesIO()
    book.save(buffer)
    result = CustomerImporter(cast.rep).run(read_table(buffer.getvalue(), "book.xlsx"))
    assert result.created == 1
    assert Customer.objects.get().phone == "2155550000"


def test_contacts_match_their_customer_and_are_idempotent(cast):
    acme = customer(cast.rep, name="Acme Trading", tax_number="91310000A")
    contact(acme, "Old Friend", phone="138 0000 0001")
    text = (
        "Customer (name or tax number),Name,Role in the decision,Phone,Email,Primary contact\n"
        "91310000A,Old Friend,Decision maker,13800000001,,yes\n"
        "acme trading,Li Lei,influencer,,li@acme.test,no\n"
        "Unknown Co,Han Mei,,,,\n"
        "Acme Trading,Bad Mail,,,not-an-email,\n"
    )
    result = ContactImporter(cast.rep).run(rows(text), mode="skip")
    assert [str(p) for p in result.problems] == [
        "Row 4, column Customer (name or tax number): No customer of yours is called or has the "
        "tax number “Unknown Co”.",
        "Row 5, column Email: Enter a valid email address.",
    ]
    assert (result.created, result.updated) == (1, 1)
    friend = Contact.objects.get(name="Old Friend")
    assert (friend.buying_role, friend.is_primary) == ("decision_maker", True)
    again = ContactImporter(cast.rep).run(rows(text), mode="skip")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_leads_keyed_by_phone_email_or_company_and_title(cast):
    text = (
        "Title,Company,Phone,Email,Source,Budget\n"
        'Scanners,Acme,138-0000-0001,,website,"12,000.50"\n'
        "Printers,Beta,,buyer@beta.test,referral,\n"
        "Kiosks,Gamma,,,,\n"
        "Bad budget,Delta,,,,12.345\n"
    )
    result = LeadImporter(cast.rep).run(rows(text), mode="skip")
    assert [str(p) for p in result.problems] == [
        "Row 5, column Budget: Amounts have at most two decimal places."
    ]
    assert result.created == 3
    scanners = Lead.objects.get(title="Scanners")
    assert (scanners.owner, scanners.source, scanners.budget_amount) == (
        cast.rep,
        "website",
        Decimal("12000.50"),
    )
    assert Lead.objects.get(title="Kiosks").source == "other"
    again = LeadImporter(cast.rep).run(rows(text.replace("Scanners", "Scanners v2")), mode="skip")
    assert (again.created, again.updated, again.unchanged) == (0, 1, 2)
    assert Lead.objects.filter(title="Scanners v2").count() == 1


def test_lead_owned_by_someone_invisible_is_refused(cast):
    Lead.objects.create(title="Theirs", phone="13900000009", owner=cast.outside_rep)
    result = LeadImporter(cast.rep).run(rows("Title,Phone\nMine now,13900000009\n"))
    assert [str(p) for p in result.problems] == [
        "Row 2, column Title: It exists already and belongs to Outside Rep."
    ]
    assert Lead.objects.get(phone="13900000009").title == "Theirs"


# --- the import page ------------------------------------------------------------------------


def test_import_page_preview_then_confirm(cast, client_for, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client = english_client(client_for("rep"))
    upload = SimpleUploadedFile("leads.csv", b"Title,Phone\nScanners,13800000001\n,\n Kiosks,\n")
    # when the rep uploads a file
    page = client.post("/crm/import/", {"kind": "leads", "file": upload})
    # then the preview shows the good rows and the problems, and nothing is saved yet
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="import-preview-card"' in body
    assert "Row 3, column Title: This column is required." not in body  # blank row is skipped
    assert "Scanners" in body and Lead.objects.count() == 0
    # when they confirm
    done = client.post("/crm/import/", {"confirm": "1", "mode": "all"})
    assert 'data-testid="count-created">2<' in done.content.decode()
    assert sorted(Lead.objects.values_list("title", flat=True)) == ["Kiosks", "Scanners"]
    # and the kept file is gone
    assert list((tmp_path / "imports").iterdir()) == []


def test_import_page_reports_problems_and_offers_skip(cast, client_for, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client = english_client(client_for("rep"))
    upload = SimpleUploadedFile("c.csv", BAD_CUSTOMERS.encode())
    preview = client.post("/crm/import/", {"kind": "customers", "file": upload})
    assert "Row 3, column Tier" in preview.content.decode()
    refused = client.post("/crm/import/", {"confirm": "1", "mode": "all"})
    assert "Nothing was saved" in refused.content.decode() and Customer.objects.count() == 0
    skipped = client.post("/crm/import/", {"confirm": "1", "mode": "skip"})
    assert 'data-testid="count-created">1<' in skipped.content.decode()
    assert Customer.objects.count() == 1


def test_import_page_refuses_other_files(cast, client_for):
    client = english_client(client_for("rep"))
    page = client.post(
        "/crm/import/", {"kind": "leads", "file": SimpleUploadedFile("x.pdf", b"%PDF")}
    )
    assert "Upload a .csv or .xlsx file." in page.content.decode()
    broken = SimpleUploadedFile("x.xlsx", b"not a zip")
    page = client.post("/crm/import/", {"kind": "leads", "file": broken})
    assert "cannot be read" in page.content.decode()


def test_template_download_has_the_headers(cast, client_for):
    response = english_client(client_for("rep")).get("/crm/import/template.csv?kind=contacts")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == (
        "Customer (name or tax number),Name,Job title,Role in the decision,Phone,Email,"
        "Primary contact"
    )
