"""The alert scan finds what is planted, is safe to run twice, resolves what is gone; people
acknowledge and snooze; the badge counts what waits; the digest emails each alert once."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from math import ceil
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from salesops.core.models import AuditEntry
from salesops.insights.models import Alert, AlertDelivery, AlertRule
from salesops.insights.percentiles import tier_percentiles
from salesops.insights.selectors.alerts import badge_count, describe
from salesops.insights.services.alerts import (
    alert_acknowledge,
    alert_rule_update,
    alert_scan,
    alert_snooze,
)
from salesops.insights.services.digest import alert_digest_send
from salesops.insights.tests import support as make
from salesops.insights.tests.support import english  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def now() -> Any:
    make.ensure_reference()
    return timezone.now()


def _open(rule: str) -> dict[str, Alert]:
    return {a.subject_key: a for a in Alert.objects.filter(rule__code=rule, resolved_at=None)}


def _history(cast: Any, now: Any, stage: str, tier: str, days: list[float]) -> None:
    """Finished stays in a stage for customers of a tier (what the rule learns from)."""
    for d in days:
        opp = make.deal(cast.peer_rep, "10.00", stage_code="won", closed=now - timedelta(days=200),
                        of=make.customer(cast.peer_rep, tier))  # fmt: skip
        make.stay(opp, stage, now - timedelta(days=300), d)


def test_stuck_deals_are_judged_against_their_stage_and_tier(cast: Any, now: Any) -> None:
    _history(cast, now, "need", "key", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])  # 90th percentile: 9 days
    key = make.customer(cast.rep, "key")
    stuck = make.deal(cast.rep, "100.00", stage_code="need", of=key,
                      entered=now - timedelta(days=9, hours=12))  # fmt: skip
    make.deal(cast.rep, "100.00", stage_code="need", of=key, entered=now - timedelta(days=8))
    general = make.deal(
        cast.rep, "100.00", stage_code="need", entered=now - timedelta(days=12)
    )  # tier too thin: the stage's 9 days
    fixed = make.deal(cast.rep, "100.00", stage_code="proposal", entered=now - timedelta(days=31))
    make.deal(cast.rep, "100.00", stage_code="proposal", entered=now - timedelta(days=20))

    alert_scan(now=now, codes=["stuck-deal"])

    found = _open("stuck-deal")
    assert set(found) == {f"opportunity:{stuck.pk}", f"opportunity:{general.pk}",
                          f"opportunity:{fixed.pk}"}  # fmt: skip
    detail = found[f"opportunity:{stuck.pk}"].detail
    assert (detail["basis"], detail["limit_days"], detail["samples"], detail["days"]) == (
        "tier",
        9.0,
        10,
        9,
    )
    assert found[f"opportunity:{general.pk}"].detail["basis"] == "stage"
    assert found[f"opportunity:{fixed.pk}"].detail["basis"] == "fixed"
    assert "90th percentile is 9.0 days (10 past deals)" in describe(
        found[f"opportunity:{stuck.pk}"]
    )


def test_percentiles_in_the_database_equal_a_nearest_rank_recomputation(
    cast: Any, now: Any
) -> None:
    rng = random.Random(7)
    expected: dict[tuple[str, str], list[float]] = {}
    for stage, tier in (("need", "key"), ("need", "core"), ("proposal", "key")):
        days = [round(rng.uniform(0.5, 60), 3) for _ in range(rng.randint(3, 25))]
        _history(cast, now, stage, tier, days)
        expected[(stage, tier)] = days
    got = tier_percentiles(90, [make.stage(code).pk for code in ("need", "proposal")])
    for (stage, tier), days in expected.items():
        ranked = sorted(days)
        p90 = ranked[ceil(0.9 * len(ranked)) - 1]
        limit, n = got[(make.stage(stage).pk, tier)]
        assert n == len(days)
        assert limit == timedelta(days=p90)  # exact to the microsecond


def test_customers_not_contacted_within_their_standard(cast: Any, now: Any) -> None:
    late = make.customer(cast.rep, "strategic", last_contact_at=now - timedelta(days=10))
    make.customer(cast.rep, "key", last_contact_at=now - timedelta(days=3))
    core = make.customer(cast.peer_rep, "core", last_contact_at=now - timedelta(days=40))
    make.customer(cast.rep, "general", last_contact_at=None)  # no shipped rule for general

    alert_scan(now=now)

    assert set(_open("key-customer-uncontacted")) == {f"customer:{late.pk}"}
    assert set(_open("core-customer-uncontacted")) == {f"customer:{core.pk}"}
    alert = _open("key-customer-uncontacted")[f"customer:{late.pk}"]
    assert describe(alert) == ("Strategic customer last contacted 10 days ago; the standard is "
                               "every 7 days.")  # fmt: skip


def test_a_second_scan_creates_nothing_and_a_gone_cause_resolves(cast: Any, now: Any) -> None:
    late = make.customer(cast.rep, "key", last_contact_at=now - timedelta(days=30))
    fresh = now - timedelta(days=1)
    slipped = make.deal(cast.rep, "100.00", stage_code="lead", close_date_changes=3, entered=fresh)
    make.deal(cast.rep, "100.00", stage_code="lead", close_date_changes=2, entered=fresh)
    alert_scan(now=now)
    alerts, deliveries = Alert.objects.count(), AlertDelivery.objects.count()
    assert set(_open("close-date-slipped")) == {f"opportunity:{slipped.pk}"}

    again = alert_scan(now=now + timedelta(hours=1))

    assert sum(r.created for r in again.values()) == 0
    assert (Alert.objects.count(), AlertDelivery.objects.count()) == (alerts, deliveries)

    late.last_contact_at = now
    late.save(update_fields=["last_contact_at"])
    result = alert_scan(now=now + timedelta(hours=2))

    assert result["key-customer-uncontacted"].resolved == 1
    assert _open("key-customer-uncontacted") == {}
    gone = Alert.objects.get(subject_key=f"customer:{late.pk}")
    assert gone.resolved_at == now + timedelta(hours=2)
    assert badge_count(actor=cast.rep) == 1  # the slipped deal only


def test_alerts_go_to_the_owner_and_up_the_chain_as_the_rule_says(cast: Any, now: Any) -> None:
    big = make.deal(cast.rep, "600000.00", stage_code="proposal", created=now - timedelta(days=20))
    busy = make.deal(cast.rep, "600000.00", stage_code="proposal", created=now - timedelta(days=20))
    make.activity(cast.rep, "visit", now - timedelta(days=2), opportunity=busy)
    slipped = make.deal(cast.rep, "100.00", stage_code="lead", close_date_changes=4)

    alert_scan(now=now)

    idle = Alert.objects.get(rule__code="large-deal-idle")
    assert idle.opportunity_id == big.pk  # the deal with a recent visit is not idle
    who = {d.user.username: d.reason for d in idle.deliveries.select_related("user")}
    assert who == {"rep": "owner", "supervisor": "chain", "manager": "chain"}
    slip = Alert.objects.get(rule__code="close-date-slipped", opportunity=slipped)
    assert {d.user.username for d in slip.deliveries.select_related("user")} == {
        "rep",
        "supervisor",
    }
    assert AuditEntry.objects.filter(object_type="insights.alert", action="create").count() == 2


def test_behind_pace_for_people_and_units(cast: Any) -> None:
    make.ensure_reference()
    today = make.today()
    mid = make.local(today.replace(day=20), 18)
    month = make.Period.containing("month", mid.date())
    make.target("won_revenue", cast.rep, month, "100000.00")
    make.target("won_revenue", cast.peer_rep, month, "100.00")
    make.deal(cast.peer_rep, "100.00", stage_code="won", closed=make.local(month.start, 10))
    make.target("won_revenue", cast.units["north"], month, "50000.00")

    alert_scan(now=mid, codes=["behind-pace"])

    found = {a.owner.username: a for a in Alert.objects.filter(rule__code="behind-pace")}
    assert set(found) == {"rep", "manager"}  # the peer rep reached the target; north's leader
    assert found["manager"].unit_id == cast.units["north"].pk
    assert found["rep"].detail["actual"] == "0.00"


def test_acknowledge_and_snooze_leave_the_badge(client_for: Any, cast: Any, now: Any) -> None:
    make.deal(cast.rep, "100.00", stage_code="lead", close_date_changes=3)
    make.deal(cast.rep, "200.00", stage_code="lead", close_date_changes=5)
    alert_scan(now=now)
    first, second = Alert.objects.order_by("pk")
    client = client_for("rep")
    assert client.get(reverse("insights:rep")).context["alert_badge"]() == 2

    response = client.post(reverse("insights:alert_acknowledge", args=[first.pk]))
    assert response.status_code == 302
    client.post(reverse("insights:alert_snooze", args=[second.pk]), {"days": "3"})

    assert badge_count(actor=cast.rep) == 0
    assert badge_count(actor=cast.supervisor) == 2  # their own deliveries are untouched
    assert badge_count(actor=cast.rep, now=timezone.now() + timedelta(days=4)) == 1
    mine = AlertDelivery.objects.get(alert=first, user=cast.rep)
    assert mine.acknowledged_at is not None
    page = client.get(reverse("insights:inbox"), {"state": "snoozed"})
    assert [a.pk for a in page.context["page"]] == [second.pk]


def test_refused_actions_change_nothing(cast: Any, now: Any) -> None:
    customer = make.customer(cast.rep, "key", last_contact_at=now - timedelta(days=30))
    alert_scan(now=now)
    alert = Alert.objects.get()
    before = list(AlertDelivery.objects.values_list("id", "acknowledged_at", "snoozed_until"))
    with pytest.raises(ValidationError) as refused:
        alert_snooze(actor=cast.rep, alert=alert, days=0)
    assert "days" in refused.value.message_dict
    customer.last_contact_at = now
    customer.save()
    alert_scan(now=now)
    alert.refresh_from_db()
    with pytest.raises(ValidationError):
        alert_acknowledge(actor=cast.rep, alert=alert)
    assert (
        list(AlertDelivery.objects.values_list("id", "acknowledged_at", "snoozed_until")) == before
    )


def test_a_switched_off_rule_resolves_its_alerts(cast: Any, now: Any) -> None:
    make.deal(cast.rep, "100.00", stage_code="lead", close_date_changes=3)
    alert_scan(now=now)
    rule = AlertRule.objects.get(code="close-date-slipped")
    alert_rule_update(actor=cast.admin, rule=rule, is_active=False)
    alert_scan(now=now)
    assert not Alert.objects.filter(rule=rule, resolved_at=None).exists()


def test_rule_settings_are_validated(cast: Any) -> None:
    make.ensure_reference()
    rule = AlertRule.objects.get(code="stuck-deal")
    with pytest.raises(ValidationError) as refused:
        alert_rule_update(actor=cast.admin, rule=rule, percentile=100, tiers="gold")
    assert set(refused.value.message_dict) == {"percentile", "tiers"}
    rule.refresh_from_db()
    assert rule.percentile == 90
    alert_rule_update(actor=cast.admin, rule=rule, percentile=80, days=45)
    rule.refresh_from_db()
    assert (rule.percentile, rule.days) == (80, 45)
    assert AuditEntry.objects.filter(object_type="insights.alertrule").count() == 1


def test_rules_page_edits_a_rule(client_for: Any, cast: Any) -> None:
    make.ensure_reference()
    rule = AlertRule.objects.get(code="large-deal-idle")
    client = client_for("admin")
    data = {"name": "Big idle deal", "is_active": "on", "severity": "critical", "escalate": "1",
            "min_amount": "1000000.00", "days": "10"}  # fmt: skip
    response = client.post(reverse("insights:rule_edit", args=[rule.pk]), data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.min_amount, rule.days, rule.escalate) == (
        "Big idle deal",
        Decimal("1000000.00"),
        10,
        1,
    )
    bad = client.post(reverse("insights:rule_edit", args=[rule.pk]), {**data, "days": ""})
    assert bad.status_code == 200 and "days" in bad.context["form"].errors
    rule.refresh_from_db()
    assert rule.days == 10


def test_the_digest_emails_each_alert_once(cast: Any, now: Any) -> None:
    for name in ("rep", "supervisor"):
        cast.users[name].email, cast.users[name].locale = f"{name}@example.com", "en"
        cast.users[name].save(update_fields=["email", "locale"])
    make.deal(cast.rep, "100.00", stage_code="lead", close_date_changes=3, name="Slippery deal")
    alert_scan(now=now)

    assert alert_digest_send(now=now) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["rep@example.com", "supervisor@example.com"]
    body = next(m for m in mail.outbox if m.to == ["rep@example.com"]).body
    assert "Slippery deal" in body and "moved out 3 times" in body

    assert alert_digest_send(now=now) == 0
    assert len(mail.outbox) == 2

    make.deal(cast.rep, "100.00", stage_code="lead", close_date_changes=6, name="Another slip")
    alert_scan(now=now)
    assert alert_digest_send(now=now) == 2
    assert "Another slip" in mail.outbox[-1].body and "Slippery deal" not in mail.outbox[-1].body


def test_management_commands_scan_and_send(cast: Any, now: Any, capsys: Any) -> None:
    make.deal(cast.rep, "100.00", stage_code="lead", close_date_changes=3)
    call_command("insights_scan")
    call_command("insights_scan")
    out = capsys.readouterr().out
    assert "close-date-slipped: 1 found, 1 new, 0 resolved" in out
    assert "close-date-slipped: 1 found, 0 new, 0 resolved" in out
    call_command("insights_digest")
    assert "Digest emails sent: 0" in capsys.readouterr().out  # the cast has no emails


def test_inbox_lists_mine_and_my_team(client_for: Any, cast: Any, now: Any) -> None:
    make.deal(cast.rep, "100.00", stage_code="lead", close_date_changes=3)
    make.deal(cast.outside_rep, "100.00", stage_code="lead", close_date_changes=3)
    alert_scan(now=now)
    manager = client_for("manager")
    mine = manager.get(reverse("insights:inbox"))
    assert list(mine.context["page"]) == []  # escalates one level: to the supervisor
    team = manager.get(reverse("insights:inbox"), {"box": "team"})
    assert [a.owner.username for a in team.context["page"]] == ["rep"]
    detail = manager.get(reverse("insights:alert_detail", args=[team.context["page"][0].pk]))
    assert detail.status_code == 200
    outside = Alert.objects.get(owner=cast.outside_rep)
    assert manager.get(reverse("insights:alert_detail", args=[outside.pk])).status_code == 404


def test_the_digest_speaks_each_persons_language(cast: Any, now: Any) -> None:
    for name, language in (("rep", "en"), ("supervisor", "zh-hans")):
        cast.users[name].email, cast.users[name].locale = f"{name}@example.com", language
        cast.users[name].save(update_fields=["email", "locale"])
    make.deal(cast.rep, "100.00", stage_code="lead", close_date_changes=3)
    alert_scan(now=now)
    alert_digest_send(now=now)
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "moved out 3 times" in bodies["rep@example.com"]
    assert "moved out 3 times" not in bodies["supervisor@example.com"]


def test_dashboards_show_alerts_with_their_subjects_in_a_fixed_number_of_queries(
    client_for: Any, cast: Any, now: Any
) -> None:
    """The rep's alerts and the team's deals at risk name each deal and its customer; their
    rule, owner and subject are read per page, not per alert."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def big() -> Any:
        return make.deal(cast.rep, "600000.00", stage_code="proposal",
                         created=now - timedelta(days=20))  # fmt: skip

    def pages() -> tuple[list[str], list[int]]:
        texts, counts = [], []
        for who, route in (("rep", "insights:rep"), ("manager", "insights:team")):
            client = client_for(who)
            with CaptureQueriesContext(connection) as queries:
                page = client.get(reverse(route))
            assert page.status_code == 200
            texts.append(page.content.decode())
            counts.append(len(queries.captured_queries))
        return texts, counts

    # Two alerts to begin with: from two on, the rep is looked at for coaching (one query).
    first = [big(), big()]
    alert_scan(now=now, codes=["large-deal-idle"])
    pages()  # what a first request reads once (the session, the rollups' state)
    texts, two = pages()
    more = [big(), big()]
    alert_scan(now=now, codes=["large-deal-idle"])
    texts, four = pages()
    assert four == two
    for text in texts:
        assert text.count('data-testid="alert-item"') == 4
        for deal in (*first, *more):
            assert f"{deal.name} · {deal.customer.name}" in text
