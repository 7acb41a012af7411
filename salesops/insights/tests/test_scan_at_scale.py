"""The scan's set-based parts give exact answers: stuck-deal percentiles ranked by the database
(exact nearest rank, both groupings in one query, lengths to the microsecond), and a rescan
that writes kept alerts' changed figures in batches, with a query count that does not grow with
the number of alerts."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salesops.core.models import AuditEntry
from salesops.crm.models import StageHistory
from salesops.insights.models import Alert, AlertRule
from salesops.insights.percentiles import stage_percentiles, tier_percentiles
from salesops.insights.scan import Limit, stage_limits
from salesops.insights.services import alerts as service
from salesops.insights.services.alerts import alert_rule_update, alert_scan
from salesops.insights.tests import support as make
from salesops.targets import rollups

pytestmark = pytest.mark.django_db


@pytest.fixture
def now() -> Any:
    make.ensure_reference()
    return timezone.now().replace(microsecond=0)


def _stays(cast: Any, now: Any, stage: str, tier: str, lengths: list[timedelta]) -> None:
    """Finished stays of won deals' customers of a tier, entered at odd microseconds."""
    for length in lengths:
        opp = make.deal(cast.peer_rep, "10.00", stage_code="won", closed=now - timedelta(days=90),
                        of=make.customer(cast.peer_rep, tier))  # fmt: skip
        entered = now - timedelta(days=200, microseconds=123_457)
        StageHistory.objects.create(
            opportunity=opp, stage=make.stage(stage), entered_at=entered, left_at=entered + length
        )


def _days(*values: float) -> list[timedelta]:
    return [timedelta(days=v) for v in values]


def test_the_percentile_is_the_exact_nearest_rank(cast: Any, now: Any) -> None:
    _stays(cast, now, "need", "key", _days(*range(1, 26)))
    # 56% of 25 stays is rank 14; in floating point 0.56 × 25 is 14.000000000000002.
    need = make.stage("need").pk
    assert tier_percentiles(56, [need])[(need, "key")] == (timedelta(days=14), 25)

    rule = AlertRule.objects.get(code="stuck-deal")
    alert_rule_update(actor=cast.admin, rule=rule, percentile=56)
    key = make.customer(cast.rep, "key")
    late = make.deal(cast.rep, "100.00", stage_code="need", of=key,
                     entered=now - timedelta(days=14, hours=1))  # fmt: skip
    make.deal(cast.rep, "100.00", stage_code="need", of=key, entered=now - timedelta(days=13))
    alert_scan(now=now, codes=["stuck-deal"])

    found = Alert.objects.get(rule=rule, resolved_at=None)
    assert found.opportunity_id == late.pk
    assert found.detail == {"stage": "need", "tier": "key", "days": 14, "limit_days": 14.0,
                            "basis": "tier", "samples": 25, "percentile": 56,
                            "learned_at": now.astimezone(UTC).isoformat()}  # fmt: skip


def test_the_stage_percentile_ranks_every_tier_together(cast: Any, now: Any) -> None:
    _stays(cast, now, "need", "key", _days(1, 2, 3))
    _stays(cast, now, "need", "core", _days(10, 10, 20, 40))
    _stays(cast, now, "won", "core", _days(99))  # not an open stage
    make.deal(cast.rep, "10.00", stage_code="need")  # a general customer's unfinished stay

    need, won = make.stage("need").pk, make.stage("won").pk
    got = tier_percentiles(50, [need, won])

    assert got[(need, "key")] == (timedelta(days=2), 3)
    assert got[(need, "core")] == (timedelta(days=10), 4)  # rank 2 of 10, 10, 20, 40
    assert (need, "general") not in got
    # Rank 4 of 1, 2, 3, 10, 10, 20, 40 (the "lead" stays of these deals are elsewhere).
    assert stage_percentiles(50, [need]) == {(need,): (timedelta(days=10), 7)}
    assert (won, "core") in got  # when asked for: the rule asks for open stages only


def test_the_stage_percentile_is_read_only_for_stages_with_a_thin_tier(cast: Any, now: Any) -> None:
    rule = AlertRule.objects.get(code="stuck-deal")
    open_stages = ("lead", "need", "proposal", "negotiation", "closing")
    for code in open_stages:
        for tier in ("strategic", "key", "core", "general"):
            _stays(cast, now, code, tier, _days(3))
    alert_rule_update(actor=cast.admin, rule=rule, min_samples=1)
    with CaptureQueriesContext(connection) as enough:
        limits = stage_limits(rule)
    assert {limit.basis for limit in limits.values()} == {"tier"}

    # Two or more: "lead" has six stays a tier (every deal began there), the others one each.
    alert_rule_update(actor=cast.admin, rule=rule, min_samples=2)
    with CaptureQueriesContext(connection) as thin:
        limits = stage_limits(rule)
    lead = make.stage("lead").pk
    assert {limits[(lead, t)].basis for t in ("key", "core")} == {"tier"}
    assert limits[(make.stage("need").pk, "key")] == Limit(timedelta(days=3), "stage", 4)
    assert len(thin.captured_queries) == len(enough.captured_queries) + 1


def test_stay_lengths_are_exact_to_the_microsecond(cast: Any, now: Any) -> None:
    five = timedelta(days=5)
    micro = timedelta(microseconds=1)
    _stays(cast, now, "proposal", "key", [five + 3 * micro, five + micro, five + 2 * micro, five])
    proposal = make.stage("proposal").pk
    assert tier_percentiles(50, [proposal])[(proposal, "key")] == (five + micro, 4)
    assert tier_percentiles(75, [proposal])[(proposal, "key")] == (five + 2 * micro, 4)
    assert stage_percentiles(99, [proposal]) == {(proposal,): (five + 3 * micro, 4)}


def _late_customers(cast: Any, now: Any, count: int, days: int = 20) -> list[Any]:
    return [
        make.customer(cast.rep, "key", last_contact_at=now - timedelta(days=days))
        for _i in range(count)
    ]


def test_a_rescan_writes_changed_figures_in_batches_and_resolves_the_gone(
    cast: Any, now: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(service, "BATCH", 2)
    late = _late_customers(cast, now, 3)
    later = make.customer(cast.rep, "key", last_contact_at=now - timedelta(days=30))
    alert_scan(now=now, codes=["key-customer-uncontacted"])
    tomorrow = now + timedelta(days=1)

    result = alert_scan(now=tomorrow, codes=["key-customer-uncontacted"])

    assert (result["key-customer-uncontacted"].created, Alert.objects.count()) == (0, 4)
    open_ = {a.customer_id: a for a in Alert.objects.filter(resolved_at=None)}
    assert open_[later.pk].detail == {"tier": "key", "days": 31, "max_days": 14, "never": False}
    assert {open_[c.pk].detail["days"] for c in late} == {21}
    assert {a.last_seen_at for a in open_.values()} == {tomorrow}
    assert {a.first_seen_at for a in open_.values()} == {now}

    for customer in late:
        customer.last_contact_at = tomorrow
        customer.save(update_fields=["last_contact_at"])
    an_hour_on = tomorrow + timedelta(hours=1)
    result = alert_scan(now=an_hour_on, codes=["key-customer-uncontacted"])

    assert result["key-customer-uncontacted"].resolved == 3
    kept = Alert.objects.get(resolved_at=None)
    assert (kept.customer_id, kept.detail["days"], kept.last_seen_at) == (later.pk, 31, an_hour_on)
    assert set(Alert.objects.exclude(resolved_at=None).values_list("resolved_at", flat=True)) == {
        an_hour_on
    }
    resolved = AuditEntry.objects.filter(object_type="insights.alert", reason="resolved by scan")
    assert sorted(resolved.values_list("object_repr", flat=True)) == sorted(
        f"{kept.rule_id}:customer:{c.pk}" for c in late
    )


def _rescan_queries(cast: Any, now: Any, count: int) -> int:
    _late_customers(cast, now, count)
    alert_scan(now=now, codes=["key-customer-uncontacted"])
    with CaptureQueriesContext(connection) as captured:
        alert_scan(now=now + timedelta(days=1), codes=["key-customer-uncontacted"])
    Alert.objects.all().delete()
    return len(captured.captured_queries)


def test_a_rescan_costs_as_many_queries_for_many_alerts_as_for_few(cast: Any, now: Any) -> None:
    assert _rescan_queries(cast, now, 2) == _rescan_queries(cast, now, 30)


def test_a_large_deal_is_idle_until_something_is_done_at_the_cutoff(cast: Any, now: Any) -> None:
    cutoff, month_ago = now - timedelta(days=14), now - timedelta(days=30)
    deals = [make.deal(cast.rep, "600000.00", stage_code="proposal", created=month_ago)
             for _i in range(4)]  # fmt: skip
    make.activity(cast.rep, "visit", cutoff, opportunity=deals[0])  # done at the cutoff
    make.activity(cast.rep, "visit", cutoff - timedelta(microseconds=1), opportunity=deals[1])
    make.activity(cast.rep, "visit", None, opportunity=deals[2], status="planned",
                  due_at=now - timedelta(days=1))  # fmt: skip
    make.activity(cast.rep, "call", now - timedelta(days=40), opportunity=deals[3])
    make.activity(cast.rep, "call", now - timedelta(days=20), opportunity=deals[3])
    make.deal(cast.rep, "400000.00", stage_code="proposal", created=month_ago)  # too small

    alert_scan(now=now, codes=["large-deal-idle"])

    found = {a.opportunity_id: a.detail for a in Alert.objects.filter(resolved_at=None)}
    assert set(found) == {deals[1].pk, deals[2].pk, deals[3].pk}
    assert found[deals[1].pk]["days"] == 14
    assert found[deals[2].pk] == {"amount": "600000.00", "days": 30, "last_activity": ""}
    assert found[deals[3].pk]["days"] == 20


def _pace_queries(cast: Any, people: list[str], unit: str) -> int:
    month = make.Period.containing("month", make.today())
    for name in people:
        make.target("won_revenue", cast.users[name], month, "100000.00")
    make.target("won_revenue", cast.units[unit], month, "50000.00")
    with CaptureQueriesContext(connection) as captured:
        alert_scan(now=make.local(month.end, 18), codes=["behind-pace"])
    return len(captured.captured_queries)


def test_behind_pace_reads_the_same_queries_for_many_targets(cast: Any, now: Any) -> None:
    rollups.usable()  # the rollups' state, read once per process (whichever test is first)
    few = _pace_queries(cast, ["rep"], "north")
    many = _pace_queries(cast, ["peer_rep", "outside_rep", "supervisor", "other_supervisor"],
                         "south")  # fmt: skip
    assert few == many
    assert Alert.objects.filter(rule__code="behind-pace", resolved_at=None).count() == 7
