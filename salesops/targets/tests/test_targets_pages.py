"""Target pages through the Django test client: what each person sees, the numbers shown,
exports, sorting, drill-down totals, forms and refusals."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from salesops.core.periods import Period
from salesops.targets.models import Target
from salesops.targets.tests import support as s

D = Decimal


@pytest.fixture
def world(cast: Any, year: Period) -> dict[str, Any]:
    """The company's target split to north, north to n1, n1 to the reps; deals won this year."""
    company = s.target("won_revenue", cast.units["acme"], year.key, "100000.00")
    north = s.target("won_revenue", cast.units["north"], year.key, "60000.00", parent=company)
    south = s.target("won_revenue", cast.units["south"], year.key, "30000.00", parent=company)
    team = s.target("won_revenue", cast.units["n1"], year.key, "60000.00", parent=north)
    rep = s.target("won_revenue", cast.rep, year.key, "40000.00", parent=team)
    peer = s.target("won_revenue", cast.peer_rep, year.key, "20000.00", parent=team)
    outside = s.target("won_revenue", cast.outside_rep, year.key, "30000.00")
    s.deal(cast.rep, "1234.50", closed=s.local(year.start, 10))
    s.deal(cast.rep, "8000.00", closed=s.local(year.start, 11))
    s.deal(cast.peer_rep, "500.00", closed=s.local(year.start + timedelta(days=1)))
    s.deal(cast.outside_rep, "99.00", closed=s.local(year.start + timedelta(days=1)))
    return {
        "company": company,
        "north": north,
        "south": south,
        "team": team,
        "rep": rep,
        "peer": peer,
        "outside": outside,
    }


def test_a_rep_sees_their_own_targets_and_pace(client_for: Any, world: Any) -> None:
    response = client_for("rep").get(reverse("targets:my"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-kpi="won_revenue"' in page
    assert "40,000.00" in page and "9,234.50" in page
    assert 'data-testid="pace"' in page
    assert "30,000.00" not in page  # not the outside rep's target


def test_hr_and_finance_have_no_target_pages(client_for: Any, world: Any) -> None:
    for who in ("hr", "finance"):
        assert client_for(who).get(reverse("targets:my")).status_code == 403
        detail = reverse("targets:target_detail", args=[world["rep"].pk])
        assert client_for(who).get(detail).status_code == 403


def test_team_table_shows_people_by_kpi_with_status(client_for: Any, world: Any, year: Any) -> None:
    url = reverse("targets:team") + f"?period={year.key}&unit={world['team'].owner_unit_id}"
    page = client_for("supervisor").get(url).content.decode()
    assert page.count('data-testid="team-row"') == 3  # supervisor, peer_rep, rep
    assert "9,234.50" in page and "40,000.00" in page
    assert 'data-person="outside_rep"' not in page


def test_team_table_sorts_by_attainment_and_exports(client_for: Any, world: Any, year: Any) -> None:
    client = client_for("manager")
    base = reverse("targets:team") + f"?period={year.key}"
    asc = client.get(base + "&sort=won_revenue").content.decode()
    assert asc.index('data-person="peer_rep"') < asc.index('data-person="rep"')
    desc = client.get(base + "&sort=-won_revenue").content.decode()
    assert desc.index('data-person="rep"') < desc.index('data-person="peer_rep"')
    export = client.get(base + "&sort=-won_revenue&export=csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    rep_row = next(r for r in rows if r[0] == "Rep")
    assert rep_row[2:5] == ["40000.00", "9234.50", "23.09"]


def test_the_tree_shows_mismatches(client_for: Any, world: Any, year: Any) -> None:
    page = client_for("director").get(reverse("targets:tree") + f"?period={year.key}")
    text = page.content.decode()
    assert page.status_code == 200
    # acme 100,000 split into north 60,000 + south 30,000: short by 10,000
    assert 'data-split="short"' in text and "10,000.00" in text
    # n1 60,000 = rep 40,000 + peer 20,000: adds up
    assert 'data-split="exact"' in text


def test_a_manager_tree_shows_only_their_subtree(client_for: Any, world: Any, year: Any) -> None:
    text = client_for("manager").get(reverse("targets:tree") + f"?period={year.key}")
    page = text.content.decode()
    assert 'data-unit="north"' in page and 'data-unit="n1"' in page
    assert 'data-unit="south"' not in page and 'data-unit="acme"' not in page


def test_target_detail_is_smart_and_shows_history(client_for: Any, world: Any) -> None:
    page = client_for("supervisor").get(reverse("targets:target_detail", args=[world["rep"].pk]))
    text = page.content.decode()
    for testid in ("attainment", "smart", "revisions"):
        assert f'data-testid="{testid}"' in text
    assert 'data-testid="parent-link"' in text  # serves the team target


def test_drill_down_lists_the_records_behind_the_actual(client_for: Any, world: Any) -> None:
    response = client_for("manager").get(reverse("targets:target_records", args=[world["team"].pk]))
    text = response.content.decode()
    assert text.count('data-testid="record"') == 3
    assert 'data-testid="total-amount">9,734.50' in text
    csv_rows = client_for("manager").get(
        reverse("targets:target_records", args=[world["team"].pk]) + "?export=csv"
    )
    lines = b"".join(csv_rows.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 4


def test_the_outside_manager_gets_404_for_the_rep_target(client_for: Any, world: Any) -> None:
    for route in ("targets:target_detail", "targets:target_records"):
        url = reverse(route, args=[world["rep"].pk])
        assert client_for("other_manager").get(url).status_code == 404


def test_setting_a_target_through_the_form(client_for: Any, world: Any, cast: Any) -> None:
    kpi = s.kpi("visits")
    month = Period.containing("month", timezone.localdate())
    response = client_for("supervisor").post(
        reverse("targets:target_create"),
        {
            "kpi": kpi.pk,
            "owner": f"user:{cast.rep.pk}",
            "period": month.key,
            "value": "20",
            "description": "Two visits a day",
        },
    )
    assert response.status_code == 302
    made = Target.objects.get(kpi=kpi, owner_user=cast.rep)
    assert (made.value, made.period_key, made.description) == (
        D("20.00"),
        month.key,
        "Two visits a day",
    )


def test_the_form_refuses_people_outside_the_actor_view(client_for: Any, cast: Any) -> None:
    response = client_for("supervisor").post(
        reverse("targets:target_create"),
        {
            "kpi": s.kpi("visits").pk,
            "owner": f"user:{cast.outside_rep.pk}",
            "period": "2026-11",
            "value": "20",
        },
    )
    assert response.status_code == 200
    assert 'data-field="owner"' in response.content.decode()
    assert Target.objects.count() == 0


def test_editing_without_a_reason_shows_the_error_and_changes_nothing(
    client_for: Any, world: Any
) -> None:
    url = reverse("targets:target_edit", args=[world["rep"].pk])
    response = client_for("supervisor").post(url, {"value": "45000.00", "description": ""})
    assert response.status_code == 200
    assert 'data-field="reason"' in response.content.decode()
    world["rep"].refresh_from_db()
    assert world["rep"].value == D("40000.00")
    ok = client_for("supervisor").post(url, {"value": "45000.00", "reason": "Bigger territory"})
    assert ok.status_code == 302
    world["rep"].refresh_from_db()
    assert world["rep"].value == D("45000.00")


def test_split_page_previews_then_saves(client_for: Any, world: Any, cast: Any) -> None:
    url = reverse("targets:target_split", args=[world["south"].pk])
    client = client_for("director")
    form = {"method": "even", f"include_unit:{cast.units['s1'].pk}": "1", "action": "preview"}
    preview = client.post(url, form)
    assert 'data-testid="plan-total">30,000.00' in preview.content.decode()
    assert not Target.objects.filter(owner_unit=cast.units["s1"]).exists()
    saved = client.post(url, {**form, "action": "save"})
    assert saved.status_code == 302
    assert Target.objects.get(owner_unit=cast.units["s1"]).value == D("30000.00")


def test_phase_page_refuses_seasonality_without_history(client_for: Any, world: Any) -> None:
    url = reverse("targets:target_phase", args=[world["rep"].pk])
    page = client_for("supervisor").post(
        url, {"kind": "month", "method": "seasonality", "action": "save"}
    )
    assert 'data-testid="phase-errors"' in page.content.decode()
    assert not Target.objects.filter(parent=world["rep"]).exists()


def test_propose_and_decide_through_the_pages(client_for: Any, cast: Any) -> None:
    kpi = s.kpi("won_revenue")
    quarter = Period.containing("quarter", timezone.localdate()).next()
    sent = client_for("rep").post(
        reverse("targets:propose"),
        {"kpi": kpi.pk, "period": quarter.key, "value": "50000", "description": "Renewals"},
    )
    assert sent.status_code == 302
    proposal = Target.objects.get(owner_user=cast.rep)
    assert (
        client_for("supervisor")
        .get(reverse("targets:my"))
        .content.decode()
        .count(f'data-testid="decide-{proposal.pk}"')
        == 1
    )
    refused = client_for("peer_rep").post(reverse("targets:target_approve", args=[proposal.pk]))
    assert refused.status_code == 403
    done = client_for("supervisor").post(
        reverse("targets:target_approve", args=[proposal.pk]),
        {"value": "55000", "reason": "Stretch"},
    )
    assert done.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.value) == ("approved", D("55000.00"))


def test_history_page_lists_past_periods(client_for: Any, cast: Any) -> None:
    this_month = Period.containing("month", timezone.localdate())
    last = this_month.previous()
    s.target("won_revenue", cast.rep, last.key, "5000.00")
    s.deal(cast.rep, "2500.00", closed=s.local(last.start + timedelta(days=2)))
    page = client_for("rep").get(reverse("targets:history")).content.decode()
    assert 'data-testid="history-table"' in page and "2,500.00" in page and "50%" in page
    other = client_for("supervisor").get(reverse("targets:history") + f"?owner=user:{cast.rep.pk}")
    assert "2,500.00" in other.content.decode()
    hidden = client_for("other_supervisor").get(
        reverse("targets:history") + f"?owner=user:{cast.rep.pk}"
    )
    assert hidden.status_code == 404


def test_kpi_catalogue_and_admin_pages(client_for: Any, cast: Any) -> None:
    s.ensure_reference()
    page = client_for("rep").get(reverse("targets:kpi_list")).content.decode()
    assert page.count('data-testid="kpi-row"') == 15
    made = client_for("admin").post(
        reverse("targets:kpi_create"),
        {
            "code": "hw_revenue",
            "name": "Hardware revenue",
            "kind": "result",
            "unit": "money",
            "direction": "higher",
            "source": "won_deals",
            "aggregate": "sum",
            "measure": "amount",
            "date_field": "closed_at",
            "filters": '{"product_line": "hw"}',
            "numerator": "{}",
            "order": "75",
            "is_active": "on",
        },
    )
    assert made.status_code == 302
    bad = client_for("admin").post(
        reverse("targets:kpi_create"),
        {
            "code": "bad",
            "name": "Bad",
            "kind": "result",
            "unit": "money",
            "direction": "higher",
            "source": "won_deals",
            "aggregate": "sum",
            "measure": "amount",
            "date_field": "closed_at",
            "filters": '{"colour": "red"}',
            "order": "1",
        },
    )
    assert 'data-field="filters"' in bad.content.decode()
    ramp = client_for("admin").post(
        reverse("targets:ramp_rules"),
        {"from_0": "1", "to_0": "2", "pct_0": "25", "from_1": "3", "to_1": "12", "pct_1": "70"},
    )
    assert ramp.status_code == 302


def test_manual_result_page(client_for: Any, cast: Any) -> None:
    csat = s.kpi("csat")
    quarter = Period.containing("quarter", timezone.localdate())
    response = client_for("supervisor").post(
        reverse("targets:manual_record"),
        {
            "kpi": csat.pk,
            "owner": f"user:{cast.rep.pk}",
            "period": quarter.key,
            "value": "91",
            "note": "From the quarterly call-backs",
        },
    )
    assert response.status_code == 302
    from salesops.targets.models import ManualResult

    assert ManualResult.objects.get().value == D("91.00")


def test_target_list_page_uses_the_list_machinery(client_for: Any, world: Any) -> None:
    page = client_for("director").get(reverse("targets:target_list") + "?q=rep")
    assert page.status_code == 200
    csv_rows = client_for("director").get(reverse("targets:target_list") + "?export=csv")
    assert len(b"".join(csv_rows.streaming_content).decode("utf-8-sig").splitlines()) == 8


def test_any_period_can_be_asked_for(client_for: Any, world: Any) -> None:
    page = client_for("manager").get(reverse("targets:team") + "?period=2019-03").content.decode()
    assert "· 2019-03</div>" in page
    tree = client_for("manager").get(reverse("targets:tree") + "?period=nonsense")
    assert tree.status_code == 200
