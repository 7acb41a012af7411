"""The alert scan: every shipped rule's findings over the whole company, the product's finders
(salesops.insights.scan, as the scan service calls them) beside hand-written SQL per rule.

The scan service (services/alerts.py `alert_scan`) finds, then writes: it opens alerts for new
findings (with deliveries and audit entries), refreshes kept ones and resolves gone ones. The
benchmarked answer is what the scan computes — the findings of every rule, each subject with
its owner and the figures the alert records — so "alert scan: whole company" times the finding
phase of every rule and compares it with the limits. The writing phase is reported beside it
(`extra`): the whole `alert_scan` run twice (a first scan that opens every alert, then a rescan
an hour later that keeps them) inside a transaction rolled back afterwards, so the benchmark
database never keeps alerts and every run starts from the same state.

The stuck-deal rule reads limits learned beforehand and stored (services/limits.py): the scan
and the rule's own operation learn them in `prepare` (not timed; the state the nightly command
leaves, so the limits are fresh and no run ranks a stay), and both sides then read the same
stored limits. "alert: learn stage limits" measures the learning itself — the service against
the hand-written percentile SQL and the same writes — in a transaction rolled back afterwards.

"Now" is the generated data's now: 11:00 local time on the anchor day.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_date

from bench.data.clock import LOCAL
from bench.harness import ALERT_RULE, ALERT_SCAN, REPORT, Op, register
from bench.ops.moments import days, param, read
from bench.ops.sql import local_day, pg, rows
from bench.ops.stuck import MICRO, learn_limit, stuck_limit
from salesops.core.periods import Period
from salesops.insights.models import AlertRule
from salesops.insights.scan import Finding, rule_findings
from salesops.insights.services.alerts import alert_scan
from salesops.insights.services.limits import stage_limits_learn

TENTH = Decimal("0.1")
OPEN = "SELECT id FROM crm_stage WHERE kind = 'open'"


def _now(ctx: Any) -> datetime:
    return datetime.combine(ctx.anchor, time(11), LOCAL)


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(parse_date(value))


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _normal(found: dict[str, Finding]) -> dict[str, Any]:
    return {key: (f.owner_id, f.detail) for key, f in found.items()}


# --- customers, slips, idle large deals ----------------------------------------------------------


def uncontacted_limit(rule: AlertRule, now: datetime) -> dict[str, Any]:
    """Owned customers of the rule's tiers past their tier's contact standard (one query)."""
    tiers = rule.tier_list
    if pg():
        cutoff = "%s - (t.max_days_between_contacts + 1) * INTERVAL '1 day'"
    else:
        cutoff = "datetime(%s, '-' || (t.max_days_between_contacts + 1) || ' days')"
    found = rows(
        "SELECT c.id, c.owner_id, c.tier, c.last_contact_at, c.owned_since, c.created_at,"
        " t.max_days_between_contacts FROM crm_customer c"
        " JOIN crm_tierstandard t ON t.tier = c.tier"
        f" WHERE c.tier IN ({', '.join(['%s'] * len(tiers))}) AND c.owner_id IS NOT NULL"
        " AND c.merged_into_id IS NULL AND c.status <> 'lost'"
        f" AND COALESCE(c.last_contact_at, c.owned_since, c.created_at) <= {cutoff}",
        [*tiers, param(now)],
    )
    return {
        f"customer:{pk}": (owner, {"tier": tier, "max_days": max_days, "never": last is None,
                                   "days": days(now, read(last or since or created))})
        for pk, owner, tier, last, since, created, max_days in found
    }  # fmt: skip


def slipped_limit(rule: AlertRule, now: datetime) -> dict[str, Any]:
    """Open deals whose close date moved out at least `count` times (one query)."""
    found = rows(
        "SELECT o.id, o.owner_id, o.close_date_changes, o.expected_close FROM crm_opportunity o"
        f" WHERE o.closed_at IS NULL AND o.close_date_changes >= %s AND o.stage_id IN ({OPEN})",
        [rule.count or 3],
    )
    return {
        f"opportunity:{pk}": (owner, {"slips": n, "expected_close": _day(close) if close else ""})
        for pk, owner, n, close in found
    }


def idle_limit(rule: AlertRule, now: datetime) -> dict[str, Any]:
    """Large open deals older than `days` with no activity done since (one query)."""
    cutoff = param(now - timedelta(days=rule.days or 14))
    assert rule.min_amount is not None
    found = rows(
        f"SELECT id, owner_id, amount, created_at, last, {local_day('last')} FROM ("
        " SELECT o.id, o.owner_id, o.amount, o.created_at, (SELECT MAX(a.done_at)"
        "  FROM crm_activity a WHERE a.opportunity_id = o.id AND a.status = 'done') AS last"
        f" FROM crm_opportunity o WHERE o.closed_at IS NULL AND o.stage_id IN ({OPEN})"
        " AND o.amount >= %s AND o.created_at < %s) d WHERE last IS NULL OR last < %s",
        [int(rule.min_amount * 100), cutoff, cutoff],
    )
    return {
        f"opportunity:{pk}": (owner, {"amount": _money(amount), "last_activity": _day(day) if day
                                      else "", "days": days(now, read(last or created))})
        for pk, owner, amount, created, last, day in found
    }  # fmt: skip


# --- pace ----------------------------------------------------------------------------------------

PACE = (
    "WITH won AS (SELECT o.owner_id, o.amount, {day} AS day FROM crm_opportunity o"
    " JOIN crm_stage s ON s.id = o.stage_id AND s.kind = 'won'"
    " WHERE o.closed_at >= %s AND o.closed_at < %s),"
    # The unit a deal counts for: its owner's assignment on the day (the latest started), else
    # the owner's current unit.
    " placed AS (SELECT won.amount, COALESCE((SELECT a.unit_id FROM org_assignment a"
    "  WHERE a.user_id = won.owner_id AND a.start <= won.day"
    '  AND (a."end" IS NULL OR a."end" >= won.day) ORDER BY a.start DESC, a.id DESC LIMIT 1),'
    "  (SELECT p.unit_id FROM org_user p WHERE p.id = won.owner_id)) AS unit_id FROM won),"
    " by_unit AS (SELECT unit_id, SUM(amount) AS total FROM placed GROUP BY unit_id),"
    " rolled AS (SELECT top.id, SUM(b.total) AS total FROM org_orgunit top"
    "  JOIN org_orgunit leaf ON leaf.path LIKE top.path || '%%'"
    "  JOIN by_unit b ON b.unit_id = leaf.id GROUP BY top.id),"
    " by_user AS (SELECT owner_id, SUM(amount) AS total FROM won GROUP BY owner_id)"
    " SELECT t.id, COALESCE(t.owner_user_id, u.leader_id), t.value, t.phasing,"
    " COALESCE(CASE WHEN t.owner_user_id IS NOT NULL THEN bu.total ELSE r.total END, 0)"
    " FROM targets_target t JOIN targets_kpidefinition k ON k.id = t.kpi_id"
    " LEFT JOIN org_orgunit u ON u.id = t.owner_unit_id"
    " LEFT JOIN org_user p ON p.id = t.owner_user_id"
    " LEFT JOIN by_user bu ON bu.owner_id = t.owner_user_id"
    " LEFT JOIN rolled r ON r.id = t.owner_unit_id"
    " WHERE k.code = %s AND k.is_active AND t.period_key = %s AND t.status = 'approved'"
    " AND (t.owner_user_id IS NULL OR p.is_active)"
)


def _working_days(start: date, end: date) -> int:
    return sum((start + timedelta(days=i)).weekday() < 5 for i in range((end - start).days + 1))


def pace_limit(rule: AlertRule, now: datetime) -> dict[str, Any]:
    """Targets of the KPI (won revenue: a sum of won deals, linear expected-to-date) below
    `percent` of what was expected by today (one query)."""
    today = timezone.localdate(now)
    period = Period.containing(rule.period_kind or "month", today)
    total = _working_days(period.start, period.end)
    elapsed = _working_days(period.start, min(today - timedelta(days=1), period.end))
    if elapsed < (rule.days or 0) or not total:
        return {}
    first = datetime.combine(period.start, time.min, LOCAL)
    after = datetime.combine(period.end + timedelta(days=1), time.min, LOCAL)
    found = rows(
        PACE.format(day=local_day("o.closed_at")),
        [param(first), param(after), rule.kpi_code, period.key],
    )
    result = {}
    for pk, owner, value, phasing, total_won in found:
        actual = int(total_won)
        assert phasing in ({}, "{}"), "the limit computes linear pacing only"
        expected = (2 * value * elapsed + total) // (2 * total)  # cents, half up
        if owner is None or expected <= 0 or actual * 100 >= expected * (rule.percent or 80):
            continue
        pace = (Decimal(actual * 100) / Decimal(expected)).quantize(TENTH, ROUND_HALF_UP)
        figures = {"target": value, "actual": actual, "expected": expected}
        detail = {"kpi": rule.kpi_code, "period": period.key, "pace_pct": str(pace)}
        result[f"target:{pk}"] = (owner, detail | {k: _money(v) for k, v in figures.items()})
    return result


# --- the ops ----------------------------------------------------------------------------------

LIMITS: dict[str, Callable[[AlertRule, datetime], dict[str, Any]]] = {
    AlertRule.Kind.STUCK_DEAL: stuck_limit,
    AlertRule.Kind.UNCONTACTED: uncontacted_limit,
    AlertRule.Kind.BEHIND_PACE: pace_limit,
    AlertRule.Kind.SLIPPED: slipped_limit,
    AlertRule.Kind.IDLE_LARGE_DEAL: idle_limit,
}


def _rules() -> list[AlertRule]:
    return list(AlertRule.objects.filter(is_active=True).order_by("kind", "code"))


def scan_product(ctx: Any) -> dict[str, Any]:
    """Every active rule's findings, as the hourly scan computes them: the stuck-deal limits are
    fresh (learned in the op's `prepare`), so they are read, not learned."""
    now = _now(ctx)
    return {rule.code: _normal(rule_findings(rule, now)) for rule in _rules()}


def scan_limit(ctx: Any) -> dict[str, Any]:
    now = _now(ctx)
    return {rule.code: LIMITS[rule.kind](rule, now) for rule in _rules()}


def scan_writes(ctx: Any, answer: Any) -> dict[str, Any]:
    """The whole scan service, writes included: a first scan opening every alert, then a rescan
    keeping them, inside a transaction that is rolled back."""
    now = _now(ctx)
    extra: dict[str, Any] = {"findings": sum(len(found) for found in answer.values())}
    with transaction.atomic():
        for name, at in (("first_scan", now), ("rescan", now + timedelta(hours=1))):
            started = clock.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                done = alert_scan(now=at)
            extra[f"{name}_ms"] = round((clock.perf_counter() - started) * 1000, 1)
            extra[f"{name}_queries"] = len(captured.captured_queries)
            extra[f"{name}_created"] = sum(r.created for r in done.values())
        transaction.set_rollback(True)
    return extra


def _learned(ctx: Any) -> None:
    """Learn the stuck-deal rule's limits as at the data's now (not timed): the state the
    nightly `insights_learn_limits` leaves, in which the hourly scan reads fresh limits."""
    stage_limits_learn(rule=AlertRule.objects.get(code="stuck-deal"), now=_now(ctx))


def _rolled_back(fn: Callable[[AlertRule, datetime], dict[str, Any]]) -> Callable[[Any], Any]:
    """Run a learning of the stuck-deal rule's limits in a transaction rolled back afterwards
    (the rollback is timed too; it is cheap)."""

    def run(ctx: Any) -> dict[str, Any]:
        with transaction.atomic():
            answer = fn(AlertRule.objects.get(code="stuck-deal"), _now(ctx))
            transaction.set_rollback(True)
        return answer

    return run


def learn_product(rule: AlertRule, now: datetime) -> dict[str, Any]:
    """The learning service's limits, as the limit's answer normalises them."""
    limits = stage_limits_learn(rule=rule, now=now)
    return {f"{stage}:{tier}": (lim.limit // MICRO, lim.basis, lim.samples)
            for (stage, tier), lim in limits.items()}  # fmt: skip


def _rule_op(code: str, title: str, prepare: Callable[[Any], None] | None = None) -> Op:
    def product(ctx: Any) -> dict[str, Any]:
        return _normal(rule_findings(AlertRule.objects.get(code=code), _now(ctx)))

    def limit(ctx: Any) -> dict[str, Any]:
        rule = AlertRule.objects.get(code=code)
        return LIMITS[rule.kind](rule, _now(ctx))

    def extra(ctx: Any, answer: Any) -> dict[str, Any]:
        return {"findings": len(answer)}

    return Op(f"alert rule: {title}", "alerts", product, limit, ALERT_RULE, repeat=3, extra=extra,
              prepare=prepare)  # fmt: skip


register(
    Op(
        "alert scan: whole company",
        "alerts",
        scan_product,
        scan_limit,
        ALERT_SCAN,
        repeat=3,
        extra=scan_writes,
        prepare=_learned,
    ),
    _rule_op("stuck-deal", "stuck deals (stage percentile)", prepare=_learned),
    Op(
        "alert: learn stage limits",
        "alerts",
        _rolled_back(learn_product),
        _rolled_back(learn_limit),
        REPORT,
        repeat=3,
    ),
    _rule_op("key-customer-uncontacted", "key customers uncontacted"),
    _rule_op("core-customer-uncontacted", "core customers uncontacted"),
    _rule_op("behind-pace", "behind pace"),
    _rule_op("close-date-slipped", "close date slipped"),
    _rule_op("large-deal-idle", "large deal idle"),
)
