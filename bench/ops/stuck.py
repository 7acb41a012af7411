"""The stuck-deal rule by hand: its limits learned with the percentile SQL (and stored as the
product stores them), and the stuck deals found from the stored limits (one query joining the
open deals to them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection

from bench.ops.moments import days, param, read
from bench.ops.sql import pg, rows
from salesops.core.localtime import sqlite_micros
from salesops.crm.models.choices import Tier
from salesops.insights.models import AlertRule
from salesops.insights.percentiles import NUDGE

MICRO = timedelta(microseconds=1)
DAY_US = 86_400_000_000
OPEN = "SELECT id FROM crm_stage WHERE kind = 'open'"


STAYS = (
    "SELECT h.stage_id{tier}, {length} AS dur FROM crm_stagehistory h{join}"
    f" WHERE h.left_at IS NOT NULL AND h.stage_id IN ({OPEN})"
)
TIER = (
    " JOIN crm_opportunity o ON o.id = h.opportunity_id JOIN crm_customer c ON c.id = o.customer_id"
)


def _ranked(pct: int, by_tier: bool, thin: str = "") -> dict[tuple[Any, ...], tuple[Any, int]]:
    """{(stage, tier) or (stage,): (nearest-rank percentile length, stays)} (one query)."""
    keys = "stage_id, tier" if by_tier else "stage_id"
    parts = {"tier": ", c.tier" if by_tier else "", "join": TIER if by_tier else ""}
    if pg():
        stays = STAYS.format(length="h.left_at - h.entered_at", **parts) + thin
        sql = (f"SELECT {keys}, COUNT(*), percentile_disc(%s) WITHIN GROUP (ORDER BY dur)"
               f" FROM ({stays}) st GROUP BY {keys}")  # fmt: skip
        found = rows(sql, [pct / 100 - NUDGE])
    else:
        length = f"{sqlite_micros('h.left_at')} - {sqlite_micros('h.entered_at')}"
        stays = STAYS.format(length=length, **parts)
        sql = (f"SELECT {keys}, n, dur FROM (SELECT {keys}, dur, ROW_NUMBER() OVER w AS r,"
               " COUNT(*) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n"
               f" FROM ({stays + thin}) st WINDOW w AS (PARTITION BY {keys} ORDER BY dur)) x"
               " WHERE r = (n * %s + 99) / 100")  # fmt: skip
        found = [(*r[:-1], timedelta(microseconds=r[-1])) for r in rows(sql, [pct])]
    return {tuple(r[:-2]): (r[-1], r[-2]) for r in found}


def _limits(rule: AlertRule) -> dict[tuple[int, str], tuple[timedelta, str, int]]:
    """Each open stage and tier's limit, basis and samples: the tier's percentile, else the
    stage's (asked only for stages with a thin tier), else the fixed days."""
    pct, least = rule.percentile or 90, rule.min_samples or 1
    stages = [r[0] for r in rows(OPEN)]
    by_tier = _ranked(pct, True)
    thin = [s for s in stages if any(by_tier.get((s, t), (0, 0))[1] < least for t in Tier.values)]
    ids = ", ".join(str(int(s)) for s in thin)
    by_stage = _ranked(pct, False, f" AND h.stage_id IN ({ids})") if thin else {}
    limits = {}
    for stage, tier in ((s, t) for s in stages for t in Tier.values):
        span, n = by_tier.get((stage, tier), (None, 0))
        basis = "tier"
        if n < least:
            (span, n), basis = by_stage.get((stage,), (None, 0)), "stage"
        if n < least:
            span, n, basis = timedelta(days=rule.days or 30), 0, "fixed"
        limits[(stage, tier)] = (span, basis, n)
    return limits


def learn_limit(rule: AlertRule, now: datetime) -> dict[str, Any]:
    """The stuck-deal rule's limits learned by hand and stored as the service stores them (the
    ranking queries, then one DELETE and one INSERT of every stage and tier)."""
    limits = _limits(rule)
    used = (rule.percentile or 90, rule.min_samples or 1, rule.days or 30)
    values = [(rule.pk, stage, tier, span // MICRO, basis, n, param(now), *used)
              for (stage, tier), (span, basis, n) in limits.items()]  # fmt: skip
    with connection.cursor() as cur:
        cur.execute("DELETE FROM insights_stagelimit WHERE rule_id = %s", [rule.pk])
        cur.execute(
            "INSERT INTO insights_stagelimit (rule_id, stage_id, tier, limit_us, basis, samples,"
            " learned_at, percentile, min_samples, days)"
            f" VALUES {', '.join(['(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)'] * len(values))}",
            [x for row in values for x in row],
        )
    return {f"{stage}:{tier}": (span // MICRO, basis, n)
            for (stage, tier), (span, basis, n) in limits.items()}  # fmt: skip


def _joined(rule: AlertRule, limits: dict[Any, Any], now: datetime) -> tuple[str, list[Any]]:
    """The limits as the deals query joins them (alias lim), its conditions and parameters.
    Each stage's shortest limit bounds its deals' entry first (a range of the open deals'
    stage index). PostgreSQL joins a VALUES list, which the planner sizes right (a join to the
    freshly written table, which it has no statistics for, starts from every customer); SQLite
    joins the table, lengths in integer microseconds."""
    least: dict[int, int] = {}
    for (stage, _tier), (micros, *_rest) in limits.items():
        least[stage] = min(least.get(stage, micros), micros)
    first = " OR ".join(["(o.stage_id = %s AND o.stage_entered_at < %s)"] * len(least))
    bounds = [x for stage, micros in least.items() for x in (stage, param(now - micros * MICRO))]
    where = f" WHERE o.closed_at IS NULL AND ({first}) AND "
    if pg():
        values = ", ".join(["(%s, %s, %s)"] * len(limits))
        spans = [x for (stage, tier), (micros, *_r) in limits.items()
                 for x in (stage, tier, micros * MICRO)]  # fmt: skip
        join = f"(VALUES {values}) AS lim ON lim.column1 = o.stage_id AND lim.column2 = c.tier"
        return f"{join}{where}o.stage_entered_at < %s - lim.column3", [*spans, *bounds, now]
    return (
        "insights_stagelimit lim ON lim.rule_id = %s AND lim.stage_id = o.stage_id"
        f" AND lim.tier = c.tier{where}{sqlite_micros('o.stage_entered_at')} < %s - lim.limit_us",
        [rule.pk, *bounds, int(now.timestamp()) * 1_000_000],
    )


def stuck_limit(rule: AlertRule, now: datetime) -> dict[str, Any]:
    """Open deals in their stage longer than their stage and tier's stored limit (two queries:
    the rule's stored limits, then the open deals joined to them)."""
    stored = rows(
        "SELECT stage_id, tier, limit_us, basis, samples, learned_at FROM insights_stagelimit"
        " WHERE rule_id = %s",
        [rule.pk],
    )
    limits = {(stage, tier): rest for stage, tier, *rest in stored}
    join, params = _joined(rule, limits, now)
    found = rows(
        "SELECT o.id, o.owner_id, s.code, o.stage_id, c.tier, o.stage_entered_at"
        " FROM crm_opportunity o JOIN crm_stage s ON s.id = o.stage_id AND s.kind = 'open'"
        f" JOIN crm_customer c ON c.id = o.customer_id JOIN {join}",
        params,
    )
    result = {}
    for pk, owner, code, stage, tier, entered in found:
        micros, basis, samples, learned = limits[(stage, tier)]
        learned_at = read(learned)
        assert learned_at is not None
        detail = {"stage": code, "tier": tier, "days": days(now, read(entered)),
                  "limit_days": round(micros / DAY_US, 1), "basis": basis, "samples": samples,
                  "percentile": rule.percentile,
                  "learned_at": learned_at.astimezone(UTC).isoformat()}  # fmt: skip
        result[f"opportunity:{pk}"] = (owner, detail)
    return result
