"""The targets API: reads within visibility, writes through the services with a token."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.test import Client
from django.urls import reverse

from salesops.core.periods import Period
from salesops.core.services import api_token_create
from salesops.targets.models import Target
from salesops.targets.tests import support as s


def _bearer(user: Any) -> dict[str, str]:
    _token, secret = api_token_create(actor=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _send(user: Any, method: str, url: str, data: dict[str, Any]) -> Any:
    return getattr(Client(), method)(
        url, data=json.dumps(data), content_type="application/json", **_bearer(user)
    )


def test_kpis_are_listed_with_their_definition(client_for: Any, cast: Any) -> None:
    s.ensure_reference()
    rows = client_for("rep").get(reverse("api:targets_kpi_list")).json()
    win = next(r for r in rows if r["code"] == "win_rate")
    assert (win["aggregate"], win["numerator"], win["unit"]) == (
        "ratio",
        {"stage_kind": "won"},
        "percent",
    )


def test_a_target_comes_with_its_attainment(client_for: Any, cast: Any, year: Period) -> None:
    target = s.target("won_revenue", cast.rep, year.key, "1000.00")
    s.deal(cast.rep, "250.00", closed=s.local(year.start))
    body = (
        client_for("supervisor")
        .get(reverse("api:targets_target_get", kwargs={"target_id": target.pk}))
        .json()
    )
    assert (body["kpi"], body["value"], body["period"]) == ("won_revenue", "1000.00", year.key)
    assert body["attainment"]["actual"] == "250.00"
    assert body["attainment"]["pct"] == "25.00"
    assert body["attainment"]["working_days_total"] > 250
    hidden = client_for("other_manager").get(
        reverse("api:targets_target_get", kwargs={"target_id": target.pk})
    )
    assert hidden.status_code == 404


def test_create_update_split_and_phase(cast: Any, year: Period) -> None:
    s.ensure_reference()
    made = _send(
        cast.director,
        "post",
        reverse("api:targets_target_create"),
        {
            "kpi": "won_revenue",
            "period": year.key,
            "value": "900.00",
            "owner_unit_id": cast.units["acme"].pk,
            "description": "Grow",
        },
    )
    assert made.status_code == 201, made.content
    tid = made.json()["id"]
    split = _send(
        cast.director,
        "post",
        reverse("api:targets_target_split", kwargs={"target_id": tid}),
        {
            "method": "weights",
            "children": [f"unit:{cast.units['north'].pk}", f"unit:{cast.units['south'].pk}"],
            "weights": {f"unit:{cast.units['north'].pk}": 2, f"unit:{cast.units['south'].pk}": 1},
        },
    )
    assert split.status_code == 200, split.content
    assert [(r["owner"], r["value"]) for r in split.json()] == [
        ("North", "600.00"),
        ("South", "300.00"),
    ]
    phase = _send(
        cast.director,
        "post",
        reverse("api:targets_target_phase", kwargs={"target_id": tid}),
        {"kind": "quarter", "method": "even"},
    )
    assert [r["value"] for r in phase.json()] == ["225.00"] * 4
    no_reason = _send(
        cast.director,
        "patch",
        reverse("api:targets_target_update", kwargs={"target_id": tid}),
        {"value": "1000.00"},
    )
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["errors"]
    changed = _send(
        cast.director,
        "patch",
        reverse("api:targets_target_update", kwargs={"target_id": tid}),
        {"value": "1000.00", "reason": "New product line"},
    )
    assert changed.json()["value"] == "1000.00"


def test_a_manager_cannot_create_a_target_outside_their_subtree(cast: Any, year: Period) -> None:
    s.ensure_reference()
    response = _send(
        cast.manager,
        "post",
        reverse("api:targets_target_create"),
        {
            "kpi": "won_revenue",
            "period": year.key,
            "value": "1.00",
            "owner_user_id": cast.outside_rep.pk,
        },
    )
    assert response.status_code == 404
    own = _send(
        cast.manager,
        "post",
        reverse("api:targets_target_create"),
        {
            "kpi": "won_revenue",
            "period": year.key,
            "value": "1.00",
            "owner_unit_id": cast.units["north"].pk,
        },
    )
    assert own.status_code == 403
    assert Target.objects.count() == 0


def test_propose_and_approve(cast: Any, year: Period) -> None:
    s.ensure_reference()
    proposed = _send(
        cast.rep,
        "post",
        reverse("api:targets_target_propose"),
        {"kpi": "won_revenue", "period": year.key, "value": "500.00"},
    )
    assert proposed.status_code == 201
    tid = proposed.json()["id"]
    url = reverse("api:targets_target_approve", kwargs={"target_id": tid})
    assert _send(cast.rep, "post", url, {}).status_code == 403
    approved = _send(cast.supervisor, "post", url, {"value": "550.00", "reason": "Stretch"})
    assert (approved.json()["status"], approved.json()["value"]) == ("approved", "550.00")


def test_attainment_rows_and_the_tree(client_for: Any, cast: Any, year: Period) -> None:
    s.target("won_revenue", cast.units["n1"], year.key, "300.00")
    s.target("won_revenue", cast.rep, year.key, "100.00")
    s.deal(cast.rep, "40.00", closed=s.local(year.start))
    rows = (
        client_for("supervisor")
        .get(reverse("api:targets_attainment") + f"?period={year.key}")
        .json()["items"]
    )
    rep = next(r for r in rows if r["person_id"] == cast.rep.pk)
    assert (rep["target"], rep["actual"], rep["pct"]) == ("100.00", "40.00", "40.00")
    nodes = client_for("manager").get(reverse("api:targets_tree") + f"?period={year.key}").json()
    n1 = next(n for n in nodes if n["kind"] == "unit" and n["name"] == "N1")
    assert (n1["target"], n1["actual"]) == ("300.00", "40.00")
    assert {n["name"] for n in nodes if n["kind"] == "unit"} == {"North", "N1"}


def test_records_behind_an_actual(client_for: Any, cast: Any, year: Period) -> None:
    target = s.target("won_revenue", cast.rep, year.key, "100.00")
    s.deal(cast.rep, "40.00", closed=s.local(year.start))
    s.deal(cast.peer_rep, "60.00", closed=s.local(year.start))
    body = (
        client_for("rep")
        .get(reverse("api:targets_target_records", kwargs={"target_id": target.pk}))
        .json()
    )
    assert body["count"] == 1
    assert Decimal(body["items"][0]["amount"]) == Decimal("40.00")
