"""Importing opportunities and activities: preview, per-row errors, modes, safe re-runs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from salesops.core.imports import read_table
from salesops.crm.importers.sales import ActivityImporter, OpportunityImporter
from salesops.crm.models import Activity, Opportunity
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english  # noqa: F401

pytestmark = pytest.mark.django_db
DEALS = (
    "Customer,Opportunity,Owner (username),Stage,Expected close date,Estimated amount,Source,"
    "Need confirmed\n"
    'Acme Ltd,ERP rollout,,lead,2030-06-30,"120,000.50",referral,no\n'
    "Acme Ltd,Support renewal,peer_rep,need,2030-03-31,8000,Website,yes\n"
)


def _rows(text: str) -> list[dict[str, str]]:
    return read_table(text.encode("utf-8"), "x.csv")


def test_opportunities_import_creates_then_changes_nothing(cast: Any) -> None:
    make.customer(cast.rep, name="Acme Ltd")
    # When the file is imported by the supervisor (peer_rep is in the team)
    first = OpportunityImporter(cast.supervisor).run(_rows(DEALS))
    assert (first.saved, first.created, first.problems) == (True, 2, [])
    erp = Opportunity.objects.get(name="ERP rollout")
    renewal = Opportunity.objects.get(name="Support renewal")
    assert (erp.owner, erp.amount, erp.stage.code, erp.source) == (
        cast.supervisor, Decimal("120000.50"), "lead", "referral",
    )  # fmt: skip
    assert (renewal.owner, renewal.stage.code, renewal.need_confirmed) == (
        cast.peer_rep,
        "need",
        True,
    )
    # Then the same file again changes nothing
    again = OpportunityImporter(cast.supervisor).run(_rows(DEALS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Opportunity.objects.count() == 2


def test_a_changed_close_date_updates_and_counts_a_slip(cast: Any) -> None:
    make.customer(cast.rep, name="Acme Ltd")
    OpportunityImporter(cast.supervisor).run(_rows(DEALS))
    later = DEALS.replace("2030-06-30", "2030-09-30")
    result = OpportunityImporter(cast.supervisor).run(_rows(later))
    assert (result.updated, result.unchanged) == (1, 1)
    assert Opportunity.objects.get(name="ERP rollout").close_date_changes == 1


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_saved(cast: Any) -> None:
    make.customer(cast.rep, name="Acme Ltd")
    bad = (
        DEALS
        + "Nobody Inc,Ghost,,,,,,\n"
        + "Acme Ltd,Too far,,closing,2030-01-01,,,\n"
        + "Acme Ltd,Odd amount,,,,12.345,,\n"
    )
    result = OpportunityImporter(cast.rep).run(_rows(bad))
    problems = [(p.row, p.column) for p in result.problems]
    assert problems == [(3, "Owner (username)"), (4, "Customer"), (6, "Estimated amount")]
    assert result.saved is False and Opportunity.objects.count() == 0


def test_skip_mode_saves_the_good_rows_and_reports_the_refused_stage(cast: Any) -> None:
    make.customer(cast.rep, name="Acme Ltd")
    text = DEALS.replace(",peer_rep,", ",,") + "Acme Ltd,Too far,,closing,2030-01-01,,,\n"
    result = OpportunityImporter(cast.rep).run(_rows(text), mode="skip")
    assert (result.saved, result.created, result.skipped) == (True, 2, 1)
    assert [(p.row, p.column) for p in result.problems] == [(4, "Stage")]
    assert sorted(Opportunity.objects.values_list("name", flat=True)) == [
        "ERP rollout",
        "Support renewal",
    ]


def test_activities_import_is_safe_to_run_twice(cast: Any) -> None:
    acme = make.customer(cast.rep, name="Acme Ltd")
    make.deal(cast.rep, name="ERP", of=acme)
    past = (timezone.localtime() - timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    text = (
        "Type,Subject,Date and time,Customer,Opportunity,Outcome\n"
        f"visit,Kick-off,{past},Acme Ltd,ERP,Agreed scope\n"
        f"Call,Check in,{future},Acme Ltd,,\n"
    )
    first = ActivityImporter(cast.rep).run(_rows(text))
    assert (first.saved, first.created) == (True, 2)
    visit = Activity.objects.get(subject="Kick-off")
    call = Activity.objects.get(subject="Check in")
    assert (visit.status, visit.opportunity is not None, call.status) == ("done", True, "planned")
    assert Opportunity.objects.get(name="ERP").customer.last_contact_at == visit.done_at
    again = ActivityImporter(cast.rep).run(_rows(text))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = ActivityImporter(cast.rep).run(_rows(text.replace("Agreed scope", "Agreed all")))
    assert changed.updated == 1
    assert Activity.objects.get(pk=visit.pk).outcome == "Agreed all"


def test_activity_rows_name_the_bad_column(cast: Any) -> None:
    make.customer(cast.rep, name="Acme Ltd")
    text = (
        "Type,Subject,Date and time,Customer,Contact\n"
        "lunch,Food,2026-01-01 12:00,Acme Ltd,\n"
        "call,Late,not a date,Acme Ltd,\n"
        "call,Who,2026-01-01 12:00,Acme Ltd,Nobody\n"
    )
    result = ActivityImporter(cast.rep).run(_rows(text))
    assert [(p.row, p.column) for p in result.problems] == [
        (2, "Type"),
        (3, "Date and time"),
        (4, "Contact"),
    ]
    assert not Activity.objects.exists()


def test_the_import_page_checks_then_imports(cast: Any, client_for: Any) -> None:
    make.customer(cast.rep, name="Acme Ltd")
    client = client_for("rep")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = DEALS.replace(",peer_rep,", ",,")
    upload = SimpleUploadedFile("deals.csv", text.encode("utf-8"), content_type="text/csv")
    checked = client.post(reverse("crm:sales_import"), {"kind": "opportunities", "file": upload})
    assert checked.context["stage"] == "preview" and checked.context["result"].ok
    assert Opportunity.objects.count() == 0  # the preview saves nothing
    done = client.post(reverse("crm:sales_import"), {"confirm": "1", "mode": "all"})
    assert done.context["stage"] == "done" and done.context["result"].created == 2
    assert Opportunity.objects.count() == 2
    template = client.get(reverse("crm:sales_import_template"), {"kind": "activities"})
    first_line = b"".join(template.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert first_line.startswith("Owner (username),Type,Subject,Date and time")
