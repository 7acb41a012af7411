"""The director's view of the managers they supervise: one row per unit led by someone under
the selected unit, with their team's attainment, pace, coverage, win rate, cycle, activity,
new customers and coaching, this window and the one before. About twenty queries, whatever the
number of managers, people or records.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count

from salesops.core import shared_reads
from salesops.core.money import ZERO
from salesops.insights import metrics
from salesops.insights.lens import Lens, Window, people, unit_paths
from salesops.insights.selectors import common
from salesops.org.models import OrgUnit
from salesops.org.roles import Role

LEADER_ROLES = (Role.SUPERVISOR, Role.MANAGER, Role.SENIOR_MANAGER, Role.DIRECTOR)
CODES = {
    "won": "won_revenue",
    "win_rate": "win_rate",
    "cycle": "sales_cycle",
    "new_customers": "new_customers",
    "activities": "activities_done",
    "coaching": "coaching_visits",
}
# Sort keys: the row attribute; lower is better for the cycle only.
SORTS = (
    "name",
    "attainment",
    "pace",
    "coverage",
    "win_rate",
    "cycle",
    "activity",
    "new_customers",
    "coaching",
    "won",
)
TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


@dataclass
class Side:
    """One window's figures of a team."""

    won: Decimal = ZERO
    won_n: int = 0
    target: Any = None
    attainment: Decimal | None = None
    status: str = ""
    pace: Decimal | None = None
    win_rate: Decimal | None = None
    cycle: Decimal | None = None
    activities: int = 0
    activity: Decimal | None = None
    new_customers: int = 0
    coaching: int = 0


@dataclass
class ManagerRow:
    unit: OrgUnit
    manager: Any
    headcount: int
    now: Side
    before: Side
    coverage: Decimal | None = None
    coverage_weighted: Decimal = ZERO
    coverage_class: str = "secondary"
    coverage_met: bool = False
    deltas: dict[str, Decimal | None] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.manager)


def managed_units(root: OrgUnit) -> list[OrgUnit]:
    """The active units right below `root` that a sales leader leads (one query)."""
    return list(
        OrgUnit.objects.filter(parent=root, is_active=True, leader__position__in=LEADER_ROLES)
        .select_related("leader")
        .order_by("name")
    )


def _pct(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, ROUND_HALF_UP)


def _side(
    unit: OrgUnit,
    window: Window,
    got: dict[str, dict[int, metrics.Parts]],
    defs: dict[str, Any],
    target: Any,
    heads: int,
) -> Side:
    def val(key: str) -> Any:
        return metrics.value(metrics.METRICS[key], got[key].get(unit.pk), defs[CODES[key]])

    side = Side(won=val("won"), won_n=got["won"].get(unit.pk, {}).get("n", 0))
    side.win_rate, side.cycle = val("win_rate"), val("cycle")
    side.activities = got["activities"].get(unit.pk, {}).get("n", 0)
    side.new_customers = got["new_customers"].get(unit.pk, {}).get("n", 0)
    side.coaching = got["coaching"].get(unit.pk, {}).get("n", 0)
    if heads:
        per = Decimal(side.activities) / Decimal(heads) / (Decimal(window.days) / 7)
        side.activity = per.quantize(TENTH, ROUND_HALF_UP)
    if target is not None:
        side.target, side.status = target, target.att.status
        side.attainment = target.att.pct
        side.pace = _pct(target.att.projection, target.value)
    return side


def _delta(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    if now is None or before is None:
        return None
    return Decimal(now) - Decimal(before)


def _gather(
    lens: Lens, units: list[OrgUnit], window: Window, defs: dict[str, Any], paths: dict[int, str]
) -> dict[str, dict[int, metrics.Parts]]:
    scoped = replace(lens, window=window, person=None)
    found = metrics.kpis_by_unit(scoped, [defs[code] for code in CODES.values()], units, paths)
    return {key: found[code] for key, code in CODES.items()}


def _won(
    units: list[OrgUnit], got: dict[str, dict[int, metrics.Parts]], defs: dict[str, Any]
) -> dict[int, Any]:
    """Each unit's won revenue in a window (the KPI's value, as a unit target's actual)."""
    kpi, metric = defs[CODES["won"]], metrics.METRICS["won"]
    return {u.pk: metrics.value(metric, got["won"].get(u.pk), kpi) for u in units}


def _headcounts(lens: Lens, units: list[OrgUnit]) -> dict[int, int]:
    """The people each unit's subtree has (counted per unit in the database, then added up)."""
    found = (
        people(lens.actor, lens.unit).order_by().values_list("unit__path").annotate(n=Count("pk"))
    )
    counts = [(path or "", n) for path, n in found]
    return {u.pk: sum(n for p, n in counts if p.startswith(u.path)) for u in units}


@shared_reads.scope
def manager_rows(lens: Lens, sort: str = "name") -> list[ManagerRow]:
    """One row per managed unit under the lens's unit, sorted."""
    if lens.unit is None:
        return []
    units = managed_units(lens.unit)
    if not units:
        return []
    paths, defs = unit_paths(), metrics.kpi_definitions(CODES.values())
    now_w, before_w = lens.window, lens.window.previous()
    now, before = (
        _gather(lens, units, now_w, defs, paths),
        _gather(lens, units, before_w, defs, paths),
    )
    today = metrics.stints_for(lens, lens.today, lens.today)
    cover = metrics.by_unit(
        metrics.coverage_deals(lens), metrics.DEAL_AGGREGATES, units, paths, today
    )
    won = {w.period.key: _won(units, got, defs)
           for w, got in ((now_w, now), (before_w, before)) if w.period is not None}  # fmt: skip
    found = common.won_targets(lens, [now_w, before_w], units=[u.pk for u in units], won=won)
    heads = _headcounts(lens, units)
    rows = []
    for u in units:
        t_now = found.get(("unit", u.pk, now_w.key))
        t_before = found.get(("unit", u.pk, before_w.key))
        row = ManagerRow(
            u,
            u.leader,
            heads[u.pk],
            _side(u, now_w, now, defs, t_now, heads[u.pk]),
            _side(u, before_w, before, defs, t_before, heads[u.pk]),
        )
        row.coverage_weighted = cover.get(u.pk, {}).get("weighted", ZERO)
        if t_now is not None and t_now.att.gap is not None and t_now.att.gap > 0:
            row.coverage = (row.coverage_weighted / t_now.att.gap).quantize(
                HUNDREDTH, ROUND_HALF_UP
            )
        row.coverage_met = t_now is not None and t_now.att.gap is not None and t_now.att.gap <= 0
        row.coverage_class = "green" if row.coverage_met else coverage_color(row.coverage)
        for key in ("attainment", "pace", "win_rate", "cycle", "activity"):
            row.deltas[key] = _delta(getattr(row.now, key), getattr(row.before, key))
        for key in ("won", "new_customers", "coaching"):
            row.deltas[key] = _delta(getattr(row.now, key), getattr(row.before, key))
        rows.append(row)
    return sort_rows(rows, sort)


def _sort_value(row: ManagerRow, key: str) -> Any:
    if key == "name":
        return row.name
    if key == "coverage":
        return row.coverage
    return getattr(row.now, key, None)


def sort_rows(rows: list[ManagerRow], sort: str) -> list[ManagerRow]:
    """Rows sorted by a column ("-key" descending); empty values last."""
    desc, key = sort.startswith("-"), sort.lstrip("-")
    if key not in SORTS:
        key, desc = "name", False
    present = [r for r in rows if _sort_value(r, key) is not None]
    missing = [r for r in rows if _sort_value(r, key) is None]
    return sorted(present, key=lambda r: _sort_value(r, key), reverse=desc) + missing


def coverage_color(value: Decimal | None) -> str:
    """Weighted pipeline ÷ what is left to win: green from 1, yellow from 0.7, else red."""
    if value is None:
        return "secondary"
    if value >= 1:
        return "green"
    return "yellow" if value >= Decimal("0.7") else "red"
