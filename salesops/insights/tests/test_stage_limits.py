"""The stuck-deal rule's limits are learned once and stored: a scan reads fresh ones without
ranking a single stay, learns them again when they are a day old, were learned with other
settings or miss an open stage, and learning twice leaves one set. The nightly command and
task learn them; an alert's page says when its limit was learned."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from salesops.crm.models import Stage
from salesops.insights.models import Alert, AlertRule, StageLimit
from salesops.insights.percentiles import Limit
from salesops.insights.scan import stage_limits, stuck_deals
from salesops.insights.services.alerts import alert_rule_update, alert_scan
from salesops.insights.services.limits import stage_limits_learn
from salesops.insights.tasks import stage_limits_learn_task
from salesops.insights.tests import support as make
from salesops.insights.tests.support import english  # noqa: F401

pytestmark = pytest.mark.django_db

TIERS = 4
OPEN_STAGES = 5


@pytest.fixture
def now() -> Any:
    make.ensure_reference()
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def rule() -> AlertRule:
    make.ensure_reference()
    return AlertRule.objects.get(code="stuck-deal")


def _history(cast: Any, now: Any, stage: str, tier: str, days: list[float]) -> None:
    """Finished stays in a stage for customers of a tier (what the rule learns from)."""
    for d in days:
        opp = make.deal(cast.peer_rep, "10.00", stage_code="won", closed=now - timedelta(days=200),
                        of=make.customer(cast.peer_rep, tier))  # fmt: skip
        make.stay(opp, stage, now - timedelta(days=300), d)


def _ranks(captured: CaptureQueriesContext) -> int:
    """How many of the captured queries read the stage history (the percentile queries)."""
    return sum("crm_stagehistory" in q["sql"] for q in captured.captured_queries)


def _learned(rule: AlertRule) -> set[Any]:
    return set(StageLimit.objects.filter(rule=rule).values_list("learned_at", flat=True))


def test_learning_stores_every_open_stage_and_tier_exactly(cast: Any, now: Any, rule: Any) -> None:
    _history(cast, now, "need", "key", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10.000001])

    limits = stage_limits_learn(rule=rule, now=now)

    need = make.stage("need").pk
    stored = StageLimit.objects.get(rule=rule, stage_id=need, tier="key")
    assert (stored.limit_us, stored.basis, stored.samples) == (9 * 86_400_000_000, "tier", 10)
    assert (stored.percentile, stored.min_samples, stored.days, stored.learned_at) == (
        90, 8, 30, now
    )  # fmt: skip
    general = StageLimit.objects.get(rule=rule, stage_id=need, tier="general")
    assert (general.limit_us, general.basis, general.samples) == (9 * 86_400_000_000, "stage", 10)
    assert StageLimit.objects.filter(rule=rule).count() == OPEN_STAGES * TIERS == len(limits)
    assert limits[(need, "key")] == Limit(timedelta(days=9), "tier", 10)


def test_fresh_limits_are_read_without_ranking_a_stay(cast: Any, now: Any, rule: Any) -> None:
    _history(cast, now, "need", "key", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    learned = stage_limits_learn(rule=rule, now=now)
    _history(cast, now, "need", "key", [50] * 20)  # would move the percentile if ranked again

    with CaptureQueriesContext(connection) as captured:
        limits = stage_limits(rule, now + timedelta(hours=23, minutes=59))

    assert limits == learned
    assert {limit.learned_at for limit in limits.values()} == {now}
    assert _ranks(captured) == 0
    assert len(captured.captured_queries) == 2  # the open stages, the stored limits


def test_a_day_old_limit_is_learned_again(cast: Any, now: Any, rule: Any) -> None:
    stage_limits_learn(rule=rule, now=now)
    _history(cast, now, "need", "key", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    a_day_on = now + timedelta(days=1)

    with CaptureQueriesContext(connection) as captured:
        limits = stage_limits(rule, a_day_on)

    assert _ranks(captured) == 2  # by tier, then the stages with a thin tier
    assert limits[(make.stage("need").pk, "key")] == Limit(timedelta(days=9), "tier", 10)
    assert _learned(rule) == {a_day_on}
    assert StageLimit.objects.filter(rule=rule).count() == OPEN_STAGES * TIERS


def test_changing_the_rules_settings_makes_its_limits_stale(cast: Any, now: Any, rule: Any) -> None:
    _history(cast, now, "need", "key", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    stage_limits_learn(rule=rule, now=now)
    need = make.stage("need").pk
    later = now + timedelta(hours=1)

    for change, expected in (
        ({"percentile": 50}, Limit(timedelta(days=5), "tier", 10)),
        ({"min_samples": 11}, Limit(timedelta(days=30), "fixed", 0)),
        ({"days": 45}, Limit(timedelta(days=45), "fixed", 0)),
    ):
        alert_rule_update(actor=cast.admin, rule=rule, **change)
        with CaptureQueriesContext(connection) as captured:
            limits = stage_limits(rule, later)
        assert _ranks(captured) >= 1, change
        assert limits[(need, "key")] == expected, change
    stored = StageLimit.objects.filter(rule=rule)
    assert set(stored.values_list("percentile", "min_samples", "days")) == {(50, 11, 45)}


def test_a_new_open_stage_is_learned(cast: Any, now: Any, rule: Any) -> None:
    stage_limits_learn(rule=rule, now=now)
    trial = Stage.objects.create(code="trial", name="Trial", order=25, probability=30)

    with CaptureQueriesContext(connection) as captured:
        limits = stage_limits(rule, now + timedelta(hours=1))

    assert _ranks(captured) >= 1
    assert limits[(trial.pk, "key")] == Limit(timedelta(days=30), "fixed", 0)
    assert StageLimit.objects.filter(rule=rule).count() == (OPEN_STAGES + 1) * TIERS


def test_learning_twice_replaces_and_never_duplicates(cast: Any, now: Any, rule: Any) -> None:
    _history(cast, now, "proposal", "core", [2] * 8)
    stage_limits_learn(rule=rule, now=now)
    _history(cast, now, "proposal", "core", [4] * 9)

    stage_limits_learn(rule=rule, now=now + timedelta(minutes=5))

    stored = StageLimit.objects.filter(rule=rule)
    assert stored.count() == OPEN_STAGES * TIERS
    assert _learned(rule) == {now + timedelta(minutes=5)}
    core = stored.get(stage=make.stage("proposal"), tier="core")
    assert (core.limit_us, core.samples) == (4 * 86_400_000_000, 17)


def test_stuck_deals_use_the_stored_limits_until_they_are_stale(
    cast: Any, now: Any, rule: Any
) -> None:
    _history(cast, now, "need", "key", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    key = make.customer(cast.rep, "key")
    deal = make.deal(cast.rep, "100.00", stage_code="need", of=key,
                     entered=now - timedelta(days=9, hours=12))  # fmt: skip
    alert_scan(now=now, codes=["stuck-deal"])  # learns, as no limits are stored
    _history(cast, now, "need", "key", [30] * 20)  # the 90th percentile is now 30 days

    assert set(stuck_deals(rule, now + timedelta(hours=2))) == {f"opportunity:{deal.pk}"}
    assert stuck_deals(rule, now + timedelta(days=1)) == {}

    alert = Alert.objects.get(rule=rule, opportunity=deal)
    assert alert.detail["learned_at"] == now.astimezone(UTC).isoformat()


def test_the_command_and_the_task_learn_every_active_stuck_deal_rule(
    cast: Any, now: Any, rule: Any, capsys: Any
) -> None:
    call_command("insights_learn_limits")
    call_command("insights_learn_limits")
    assert "stuck-deal: 20 limits learned" in capsys.readouterr().out
    assert StageLimit.objects.filter(rule=rule).count() == OPEN_STAGES * TIERS

    alert_rule_update(actor=cast.admin, rule=rule, is_active=False)
    StageLimit.objects.all().delete()
    assert stage_limits_learn_task.enqueue().return_value == {}
    assert not StageLimit.objects.exists()


def test_the_alert_page_says_when_its_limit_was_learned(
    client_for: Any, cast: Any, now: Any, rule: Any
) -> None:
    make.deal(cast.rep, "100.00", stage_code="proposal", entered=now - timedelta(days=31))
    learned = now - timedelta(hours=3)
    stage_limits_learn(rule=rule, now=learned)
    alert_scan(now=now, codes=["stuck-deal"])
    alert = Alert.objects.get(rule=rule)

    page = client_for("rep").get(reverse("insights:alert_detail", args=[alert.pk]))

    assert page.status_code == 200
    shown = timezone.localtime(learned).strftime("%Y-%m-%d %H:%M")
    assert f'data-testid="alert-learned">{shown}</dd>' in page.content.decode()
    with translation.override(page.wsgi_request.LANGUAGE_CODE):
        assert translation.gettext("Limit learned") in page.content.decode()
