"""Target services: who may set what, history of changes, bottom-up proposals, splits over
people and over months, the KPI catalogue, ramp rules and manual results."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from salesops.core.models import AuditEntry
from salesops.core.periods import Period
from salesops.targets import services, services_kpis
from salesops.targets.models import KpiDefinition, ManualResult, RampRule, Target, TargetRevision
from salesops.targets.planning import Owner, split_candidates
from salesops.targets.selectors import attach
from salesops.targets.tests import support as s

D = Decimal
Y26 = Period.parse("2026")


@pytest.fixture
def won(cast: Any) -> KpiDefinition:
    return s.kpi("won_revenue")


def _set(actor: Any, owner: Any, value: str = "1000.00", period: Period = Y26, **kw: Any) -> Target:
    is_unit = owner.__class__.__name__ == "OrgUnit"
    return services.target_set(
        actor=actor,
        kpi=kw.pop("kpi", None) or s.kpi("won_revenue"),
        period=period,
        value=value,
        person=None if is_unit else owner,
        unit=owner if is_unit else None,
        **kw,
    )


# --- who may set ----------------------------------------------------------------------------


def test_a_manager_sets_a_target_for_a_rep_in_their_region(cast: Any, won: Any) -> None:
    team = _set(cast.director, cast.units["n1"], "50000.00")
    target = _set(cast.manager, cast.rep, "12000.00", description="New SaaS logos")
    assert (target.status, target.value, target.parent_id) == ("approved", D("12000.00"), team.pk)
    assert target.approved_by == cast.manager
    [rev] = TargetRevision.objects.filter(target=target)
    assert (rev.action, rev.old_value, rev.new_value, rev.actor) == (
        "created",
        None,
        D("12000.00"),
        cast.manager,
    )
    assert AuditEntry.objects.filter(object_type="targets.target", object_id=str(target.pk)).count()


@pytest.mark.parametrize(
    ("actor", "owner"),
    [
        ("manager", "outside_rep"),
        ("other_manager", "rep"),
        ("rep", "rep"),
        ("supervisor", "n1"),
        ("manager", "north"),
        ("hr", "rep"),
        ("finance", "rep"),
        ("channel_manager", "rep"),
        ("supervisor", "supervisor"),
    ],
)
def test_refused_setters_change_nothing(cast: Any, won: Any, actor: str, owner: str) -> None:
    who = cast.units[owner] if owner in cast.units else cast.users[owner]
    with pytest.raises(PermissionDenied):
        _set(cast.users[actor], who)
    assert Target.objects.count() == 0
    assert AuditEntry.objects.filter(object_type="targets.target").count() == 0


@pytest.mark.parametrize(
    ("actor", "owner"),
    [
        ("supervisor", "rep"),
        ("manager", "n1"),
        ("director", "acme"),
        ("director", "manager"),
        ("admin", "acme"),
        ("admin", "director"),
    ],
)
def test_allowed_setters(cast: Any, won: Any, actor: str, owner: str) -> None:
    who = cast.units[owner] if owner in cast.units else cast.users[owner]
    assert _set(cast.users[actor], who).pk


def test_bad_values_name_the_field_and_save_nothing(cast: Any, won: Any) -> None:
    for value in ("-1", "1.001", "abc"):
        with pytest.raises(ValidationError) as err:
            _set(cast.manager, cast.rep, value)
        assert "value" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        _set(cast.manager, cast.rep, "101", kpi=s.kpi("win_rate"))
    assert "value" in err.value.message_dict
    assert Target.objects.count() == 0


# --- history --------------------------------------------------------------------------------


def test_changing_an_approved_target_needs_a_reason_and_keeps_history(cast: Any, won: Any) -> None:
    target = _set(cast.supervisor, cast.rep, "1000.00")
    with pytest.raises(ValidationError) as err:
        services.target_update(actor=cast.supervisor, target=target, value="1500.00")
    assert "reason" in err.value.message_dict
    target.refresh_from_db()
    assert target.value == D("1000.00")
    services.target_update(
        actor=cast.manager, target=target, value="1500.00", reason="Won a key account early"
    )
    target.refresh_from_db()
    assert target.value == D("1500.00")
    latest = TargetRevision.objects.filter(target=target).first()
    assert (latest.action, latest.old_value, latest.new_value, latest.actor, latest.reason) == (
        "changed",
        D("1000.00"),
        D("1500.00"),
        cast.manager,
        "Won a key account early",
    )
    entry = AuditEntry.objects.filter(object_type="targets.target", action="update").first()
    assert entry.changes["value"] == ["1000.00", "1500.00"]
    assert entry.reason == "Won a key account early"


# --- bottom-up ------------------------------------------------------------------------------


def test_a_rep_proposes_a_leader_adjusts_and_approves(cast: Any, won: Any) -> None:
    q3 = Period.parse("2026-Q3")
    proposal = services.target_propose(
        actor=cast.rep,
        kpi=won,
        period=q3,
        value="30000.00",
        description="Two renewals and a new logo",
    )
    assert (proposal.status, proposal.proposed_value, proposal.method) == (
        "proposed",
        D("30000.00"),
        "proposal",
    )
    # the rep cannot approve their own number
    with pytest.raises(PermissionDenied):
        services.target_approve(actor=cast.rep, target=proposal)
    proposal.refresh_from_db()
    assert proposal.status == "proposed"
    # another branch's manager cannot either
    with pytest.raises(PermissionDenied):
        services.target_approve(actor=cast.other_manager, target=proposal)
    done = services.target_approve(
        actor=cast.supervisor, target=proposal, value="36000.00", reason="Market is growing"
    )
    assert (done.status, done.value, done.proposed_value, done.approved_by) == (
        "approved",
        D("36000.00"),
        D("30000.00"),
        cast.supervisor,
    )
    rev = TargetRevision.objects.filter(target=done).first()
    assert (rev.action, rev.old_value, rev.new_value, rev.reason) == (
        "approved",
        D("30000.00"),
        D("36000.00"),
        "Market is growing",
    )
    # once approved the rep can no longer propose over it
    with pytest.raises(ValidationError):
        services.target_propose(actor=cast.rep, kpi=won, period=q3, value="1.00")


def test_returning_a_proposal_needs_a_reason(cast: Any, won: Any) -> None:
    proposal = services.target_propose(actor=cast.rep, kpi=won, period=Y26, value="100.00")
    with pytest.raises(ValidationError) as err:
        services.target_return(actor=cast.supervisor, target=proposal, reason=" ")
    assert "reason" in err.value.message_dict
    returned = services.target_return(actor=cast.supervisor, target=proposal, reason="Too low")
    assert returned.status == "returned"
    again = services.target_propose(actor=cast.rep, kpi=won, period=Y26, value="200.00")
    assert (again.pk, again.status, again.value) == (proposal.pk, "proposed", D("200.00"))


# --- splits ---------------------------------------------------------------------------------


def test_director_splits_the_company_to_regions_by_weights(cast: Any, won: Any) -> None:
    company = _set(cast.director, cast.units["acme"], "1000000.00")
    children = [Owner(unit=cast.units["north"]), Owner(unit=cast.units["south"])]
    made = services.target_split(
        actor=cast.director,
        target=company,
        children=children,
        method="weights",
        weights={children[0].key: "2", children[1].key: "1"},
    )
    assert [(t.owner_unit.code, t.value, t.parent_id, t.method) for t in made] == [
        ("north", D("666666.67"), company.pk, "weights"),
        ("south", D("333333.33"), company.pk, "weights"),
    ]
    assert sum(t.value for t in made) == company.value


def test_a_manager_cannot_split_the_company_and_nothing_changes(cast: Any, won: Any) -> None:
    company = _set(cast.director, cast.units["acme"], "1000000.00")
    with pytest.raises(PermissionDenied):
        services.target_split(
            actor=cast.manager,
            target=company,
            children=[Owner(unit=cast.units["north"])],
            method="even",
        )
    assert Target.objects.count() == 1


def test_a_supervisor_splits_the_team_to_reps_with_the_ramp(cast: Any, won: Any) -> None:
    cast.peer_rep.hire_date = date(2026, 2, 10)  # a new hire: 30% / 60% / 90% stages
    cast.peer_rep.save()
    team = _set(cast.manager, cast.units["n1"], "100000.00")
    owners = [c for c in split_candidates(team) if c.obj != cast.supervisor]
    assert [c.obj for c in owners] == [cast.peer_rep, cast.rep]
    made = services.target_split(actor=cast.supervisor, target=team, children=owners, method="even")
    # peer_rep weighs 3×30 + 3×60 + 5×90 over 12 months = 60% of a full rep
    assert [(t.owner_user, t.value, t.ramp_pct) for t in made] == [
        (cast.peer_rep, D("37500.00"), 60),
        (cast.rep, D("62500.00"), 100),
    ]


def test_splits_over_people_of_a_rate_copy_the_target(cast: Any) -> None:
    team = _set(cast.manager, cast.units["n1"], "35.00", kpi=s.kpi("win_rate"))
    made = services.target_split(
        actor=cast.supervisor,
        target=team,
        method="even",
        children=[Owner(user=cast.rep), Owner(user=cast.peer_rep)],
    )
    assert [(t.value, t.method) for t in made] == [(D("35.00"), "copy"), (D("35.00"), "copy")]


def test_seasonality_split_follows_last_years_months(cast: Any, won: Any) -> None:
    # Given last year's won revenue: January 100, June 300, December 600
    for month, amount in ((1, "100.00"), (6, "300.00"), (12, "600.00")):
        s.deal(cast.rep, amount, closed=s.local(date(2025, month, 15)))
    company = _set(cast.director, cast.units["acme"], "12000.00")
    months = services.target_phase(
        actor=cast.director, target=company, kind="month", method="seasonality"
    )
    values = {t.period_key: t.value for t in months}
    assert values["2026-01"] == D("1200.00")
    assert values["2026-06"] == D("3600.00")
    assert values["2026-12"] == D("7200.00")
    assert values["2026-03"] == D("0.00")
    assert sum(values.values()) == D("12000.00")
    company.refresh_from_db()
    assert company.phasing["2026-06"] == "3/10"
    # a rep's target split from the company inherits the phasing
    [north] = services.target_split(
        actor=cast.director,
        target=company,
        method="even",
        children=[Owner(unit=cast.units["north"])],
    )
    assert north.phasing == company.phasing


def test_seasonality_without_history_is_refused(cast: Any, won: Any) -> None:
    target = _set(cast.supervisor, cast.rep, "1200.00")
    with pytest.raises(ValidationError) as err:
        services.target_phase(
            actor=cast.supervisor, target=target, kind="month", method="seasonality"
        )
    assert "method" in err.value.message_dict
    assert Target.objects.count() == 1


def test_quarters_by_hand_may_leave_a_mismatch(cast: Any, won: Any) -> None:
    target = _set(cast.supervisor, cast.rep, "1000.00")
    values = {"2026-Q1": "200", "2026-Q2": "200", "2026-Q3": "200", "2026-Q4": "300"}
    made = services.target_phase(
        actor=cast.supervisor, target=target, kind="quarter", method="hand", values=values
    )
    assert sum(t.value for t in made) == D("900.00")
    from salesops.targets.selectors import children_of
    from salesops.targets.splitting import mismatch

    kids = children_of(target)
    assert mismatch(target.value, [k.value for k in kids["time"]])["state"] == "short"


def test_a_target_with_children_cannot_be_deleted(cast: Any, won: Any) -> None:
    team = _set(cast.manager, cast.units["n1"], "100.00")
    child = _set(cast.supervisor, cast.rep, "50.00")
    with pytest.raises(ValidationError):
        services.target_delete(actor=cast.manager, target=team)
    services.target_delete(actor=cast.supervisor, target=child)
    services.target_delete(actor=cast.manager, target=team)
    assert Target.objects.count() == 0
    assert AuditEntry.objects.filter(object_type="targets.target", action="delete").count() == 2


# --- catalogue, ramp, manual ----------------------------------------------------------------


def test_an_administrator_adds_a_kpi_without_code_and_it_computes(cast: Any) -> None:
    s.ensure_reference()
    saas = s.deal(cast.rep, "700.00", closed=s.local(date(2026, 3, 3)))
    other = s.deal(cast.rep, "50.00", closed=s.local(date(2026, 3, 4)))
    from salesops.org.models import ProductLine

    line = ProductLine.objects.create(code="saas", name="SaaS")
    saas.product_line = line
    saas.save()
    kpi = services_kpis.kpi_create(
        actor=cast.admin,
        code="saas_revenue",
        name="SaaS revenue",
        unit="money",
        kind="result",
        direction="higher",
        source="won_deals",
        aggregate="sum",
        measure="amount",
        date_field="closed_at",
        filters={"product_line": "saas"},
    )
    target = _set(cast.supervisor, cast.rep, "1000.00", kpi=kpi, period=Period.parse("2026-Q1"))
    [row] = attach([target], date(2026, 3, 31))
    assert row.actual == D("700.00")
    assert other.amount == D("50.00")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"filters": {"colour": "red"}}, "filters"),
        ({"measure": "weight"}, "measure"),
        ({"date_field": "born_at"}, "date_field"),
        ({"aggregate": "ratio", "unit": "percent"}, "numerator"),
        ({"unit": "count"}, "aggregate"),
        ({"source": "tweets"}, "source"),
    ],
)
def test_bad_kpi_definitions_name_the_field(cast: Any, fields: dict[str, Any], field: str) -> None:
    base = {
        "code": "x",
        "name": "X",
        "unit": "money",
        "kind": "result",
        "direction": "higher",
        "source": "won_deals",
        "aggregate": "sum",
        "measure": "amount",
        "date_field": "closed_at",
    }
    with pytest.raises(ValidationError) as err:
        services_kpis.kpi_create(actor=cast.admin, **{**base, **fields})
    assert field in err.value.message_dict
    assert not KpiDefinition.objects.filter(code="x").exists()


def test_only_administrators_change_the_catalogue(cast: Any) -> None:
    with pytest.raises(PermissionDenied):
        services_kpis.kpi_create(
            actor=cast.director,
            code="x",
            name="X",
            unit="count",
            source="leads",
            aggregate="count",
            date_field="created_at",
        )
    kpi = s.kpi("visits")
    with pytest.raises(PermissionDenied):
        services_kpis.kpi_update(actor=cast.manager, kpi=kpi, name="Calls")
    services_kpis.kpi_update(actor=cast.admin, kpi=kpi, name="Customer visits done")
    kpi.refresh_from_db()
    assert kpi.label == "Customer visits done"


def test_ramp_rules_are_replaced_whole_and_checked(cast: Any) -> None:
    s.ensure_reference()
    with pytest.raises(ValidationError):
        services_kpis.ramp_rules_replace(actor=cast.admin, rules=[(1, 4, 30), (4, 6, 60)])
    assert list(RampRule.objects.values_list("from_month", "to_month", "percent")) == [
        (1, 3, 30),
        (4, 6, 60),
        (7, 12, 90),
    ]
    with pytest.raises(PermissionDenied):
        services_kpis.ramp_rules_replace(actor=cast.director, rules=[(1, 6, 50)])
    services_kpis.ramp_rules_replace(actor=cast.admin, rules=[(1, 6, 50)])
    assert list(RampRule.objects.values_list("from_month", "to_month", "percent")) == [(1, 6, 50)]


def test_manual_results_feed_the_attainment(cast: Any) -> None:
    csat = s.kpi("csat")
    quarter = Period.parse("2026-Q2")
    target = _set(cast.supervisor, cast.rep, "85.00", kpi=csat, period=quarter)
    with pytest.raises(ValidationError):
        services_kpis.manual_result_record(
            actor=cast.supervisor, kpi=s.kpi("visits"), period=quarter, value="3", person=cast.rep
        )
    with pytest.raises(PermissionDenied):
        services_kpis.manual_result_record(
            actor=cast.rep, kpi=csat, period=quarter, value="99", person=cast.rep
        )
    assert ManualResult.objects.count() == 0
    services_kpis.manual_result_record(
        actor=cast.supervisor, kpi=csat, period=quarter, value="88.50", person=cast.rep
    )
    [row] = attach([target], date(2026, 5, 1))
    assert (row.actual, row.att.status) == (D("88.50"), "achieved")
