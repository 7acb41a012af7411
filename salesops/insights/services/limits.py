"""Learning the stuck-deal rules' limits and storing them (StageLimit), so that the scan reads
twenty rows instead of ranking every finished stay in the company (seconds at a million deals).

A rule's stored limits are used while fresh (scan.stage_limits): learned less than FRESH_FOR
ago, with the rule's current settings, for exactly the current open stages and tiers. Anything
else is learned again by the scan itself, so it stays right without a scheduler; the nightly
`salesops insights_learn_limits` keeps them fresh so the hourly scan never pays for learning.
Learning is safe to run twice: it replaces the rule's limits under the rule's row lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from salesops.crm.models import Stage
from salesops.crm.selectors.stages import stage_ids
from salesops.insights.models import AlertRule, StageLimit
from salesops.insights.percentiles import Limits, learn

FRESH_FOR = timedelta(days=1)
MICROSECOND = timedelta(microseconds=1)


def learned_with(rule: AlertRule) -> tuple[int, int, int]:
    """The settings a rule's limits are learned with: percentile, minimum stays, fixed days."""
    return rule.percentile or 90, rule.min_samples or 1, rule.days or 30


def open_stages() -> list[int]:
    """The ids of the open stages (the stages a deal can be stuck in)."""
    return stage_ids(Stage.Kind.OPEN)


@transaction.atomic
def stage_limits_learn(*, rule: AlertRule, now: datetime | None = None) -> Limits:
    """Learn a stuck-deal rule's limits from every finished stay and store them as learned at
    `now`, replacing the ones it had (two or three ranking queries, then two writes)."""
    now = now or timezone.now()
    rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
    pct, least, days = learned_with(rule)
    limits = learn(pct, least, timedelta(days=days), open_stages(), now)
    StageLimit.objects.filter(rule=rule).delete()
    StageLimit.objects.bulk_create(
        StageLimit(
            rule=rule,
            stage_id=stage_id,
            tier=tier,
            limit_us=limit.limit // MICROSECOND,
            basis=limit.basis,
            samples=limit.samples,
            learned_at=now,
            percentile=pct,
            min_samples=least,
            days=days,
        )
        for (stage_id, tier), limit in limits.items()
    )
    return limits


def stage_limits_learn_all(*, now: datetime | None = None) -> dict[str, int]:
    """Learn the limits of every active stuck-deal rule, each in its own transaction; returns
    how many limits each rule stored."""
    rules = AlertRule.objects.filter(kind=AlertRule.Kind.STUCK_DEAL, is_active=True)
    return {
        rule.code: len(stage_limits_learn(rule=rule, now=now)) for rule in rules.order_by("code")
    }
