"""Generated targets: won revenue for every rep by year, quarter and month (from the history
with growth and noise), rolled up exactly to every team, branch, region and the company, and
monthly visit targets for every rep; year targets carry their monthly phasing."""

from __future__ import annotations

import random
from datetime import date
from fractions import Fraction
from typing import Any

from bench.data.crm import Crm
from bench.data.loader import Loader
from bench.data.org import Org
from salesops.core.periods import Period


class Targets:
    def __init__(self, loader: Loader, org: Org, kpis: dict[str, int], now: str) -> None:
        self.loader, self.org, self.kpis, self.now = loader, org, kpis, now
        self.rows: list[tuple[Any, ...]] = []
        self.approver = org.by_username("director").id

    def add(self, kpi: str, period: Period, value: int, owner: tuple[str, int],
            parent: int | None, phasing: dict[str, str] | None = None) -> int:  # fmt: skip
        tid = len(self.rows) + 1
        unit = owner[1] if owner[0] == "unit" else None
        user = owner[1] if owner[0] == "user" else None
        self.rows.append((
            tid, self.now, self.now, period.kind, period.key, self.loader.day(period.start),
            self.loader.day(period.end), value, None, "", "approved", "weights", 100,
            self.loader.js(phasing or {}), self.now, self.approver, self.approver,
            self.kpis[kpi], unit, user, parent,
        ))  # fmt: skip
        return tid

    def load(self) -> None:
        self.loader.load(
            "targets_target",
            ["id", "created_at", "updated_at", "period_kind", "period_key", "period_start",
             "period_end", "value", "proposed_value", "description", "status", "method",
             "ramp_pct", "phasing", "approved_at", "approved_by_id", "created_by_id", "kpi_id",
             "owner_unit_id", "owner_user_id", "parent_id"],
            self.rows,
        )  # fmt: skip


def _monthly(rng: random.Random, crm: Crm, rep: int, year: int) -> list[int]:
    """Twelve monthly won-revenue targets (cents): last year's month (or this year's) grown."""
    values = []
    for m in range(1, 13):
        base = crm.won.get((rep, f"{year - 1}-{m:02d}")) or crm.won.get((rep, f"{year}-{m:02d}"))
        yuan = (base or 5_000_000) / 100 * rng.uniform(0.95, 1.3)
        values.append(max(20_000, round(yuan / 1000) * 1000) * 100)
    return values


def build(loader: Loader, rng: random.Random, org: Org, crm: Crm, anchor: date,
          kpis: dict[str, int], now: str) -> None:  # fmt: skip
    t = Targets(loader, org, kpis, now)
    children: dict[int | None, list[int]] = {}
    for uid, _k, _n, _c, parent, _d in org.units:
        children.setdefault(parent, []).append(uid)
    reps_in: dict[int, list[int]] = {}
    for rep in org.reps:
        reps_in.setdefault(rep.unit, []).append(rep.id)
    for year in (anchor.year - 1, anchor.year):
        plan = {rep.id: _monthly(rng, crm, rep.id, year) for rep in org.reps}
        _unit_tree(t, Period.parse(str(year)), org, children, reps_in, plan, None, 1)
        for rep in org.reps:
            for month in Period.parse(str(year)).children("month"):
                t.add("visits", month, rng.randint(18, 32) * 100, ("user", rep.id), None)
    t.load()


def _sum_months(plan: dict[int, list[int]], people: list[int]) -> list[int]:
    return [sum(plan[p][m] for p in people) for m in range(12)]


def _people_under(uid: int, children: dict[int | None, list[int]],
                  reps_in: dict[int, list[int]]) -> list[int]:  # fmt: skip
    found = list(reps_in.get(uid, []))
    for kid in children.get(uid, []):
        found += _people_under(kid, children, reps_in)
    return found


def _owner_tree(t: Targets, year: Period, owner: tuple[str, int], months: list[int],
                parent: int | None) -> int:  # fmt: skip
    """Year (phased by month), its quarters and months for one owner; returns the year's id."""
    total = sum(months)
    phasing = {f"{year.key}-{m + 1:02d}": str(Fraction(v, total)) for m, v in enumerate(months)}
    top = t.add("won_revenue", year, total, owner, parent, phasing)
    for q, quarter in enumerate(year.children("quarter")):
        qid = t.add("won_revenue", quarter, sum(months[q * 3 : q * 3 + 3]), owner, top)
        for i, month in enumerate(quarter.children("month")):
            t.add("won_revenue", month, months[q * 3 + i], owner, qid)
    return top


def _unit_tree(t: Targets, year: Period, org: Org, children: dict[int | None, list[int]],
               reps_in: dict[int, list[int]], plan: dict[int, list[int]], parent: int | None,
               uid: int) -> None:  # fmt: skip
    months = _sum_months(plan, _people_under(uid, children, reps_in))
    top = _owner_tree(t, year, ("unit", uid), months, parent)
    for kid in children.get(uid, []):
        _unit_tree(t, year, org, children, reps_in, plan, top, kid)
    for rep in reps_in.get(uid, []):
        _owner_tree(t, year, ("user", rep), plan[rep], top)
