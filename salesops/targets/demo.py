"""Demo step: targets for the demo company, this year and last, set the way leaders set them.

Computed from the CRM demo history (step 20): the company's won revenue target is the recent
result with growth and noise; the director splits it to regions by their results, managers split
to teams, supervisors to people (ramped for new hires), and every target is phased over the
months by the seasonality of the last twelve months. People get visit targets for this month and
last, a few reps propose next quarter's number, one team's split is left short and one target is
changed with a reason, so the pages show a believable spread, mismatches and history. Written
through the services, so the revisions and audit entries are real.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from salesops.core.demo import DemoContext, demo_step
from salesops.core.periods import Period
from salesops.org.models import OrgUnit, User
from salesops.org.roles import Role
from salesops.targets import kpis, services, services_kpis
from salesops.targets.catalogue import ensure_catalogue
from salesops.targets.models import KpiDefinition, Target
from salesops.targets.planning import Owner, split_candidates
from salesops.targets.selectors import person_values, unit_paths, unit_values

FALLBACK = Decimal(36_000_000)  # the company's year when there is no CRM history yet
ROUND = Decimal(10_000)


def _round(value: Decimal, step: Decimal = ROUND) -> Decimal:
    return ((value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step).quantize(
        Decimal("0.01")
    )


class Planner:
    """Sets one year's won revenue targets down the tree, by the results of a window."""

    def __init__(self, ctx: DemoContext, kpi: KpiDefinition, window: Period) -> None:
        self.ctx, self.kpi, self.window = ctx, kpi, window
        self.units = list(OrgUnit.objects.filter(is_active=True).order_by("path"))
        ids = [u.pk for u in self.units]
        self.unit_result = unit_values(kpi, window, ids, unit_paths())
        people = User.objects.filter(is_active=True).values("pk")
        self.person_result = person_values(kpi, window, people)
        self.profile = self._profile()

    def _profile(self) -> dict[int, Decimal]:
        """Won revenue by calendar month over the window (the seasonality)."""
        raw = kpis.evaluate(self.kpi, self.window.start, self.window.end, bucket="month")
        by_month = {m: Decimal(0) for m in range(1, 13)}
        for (_owner, key), parts in raw.items():
            by_month[int(key[5:7])] += kpis.value_of(self.kpi, parts) or Decimal(0)
        if not any(by_month.values()):
            return {m: Decimal(1) for m in by_month}
        floor = max(by_month.values()) / 10
        return {m: max(v, floor) for m, v in by_month.items()}

    def noise(self, low: float, high: float) -> Decimal:
        return Decimal(str(round(self.ctx.rng.uniform(low, high), 3)))

    def result(self, owner: Owner) -> Decimal:
        if owner.unit is not None:
            return self.unit_result.get(owner.unit.pk) or Decimal(0)
        return self.person_result.get(owner.obj.pk) or Decimal(0)

    def split(self, actor: Any, target: Target, only: tuple[str, ...] = ()) -> list[Target]:
        """Split by each part's result in the window, with noise; people's lumpy results are
        evened out half-way towards their team's average."""
        children = [
            c
            for c in split_candidates(target)
            if (not only or (c.unit is not None and c.unit.kind in only))
            and c.obj != actor
            and (c.user is None or (c.user.hire_date or target.period_start) <= target.period_end)
        ]
        if not children:
            return []
        results = [self.result(c) for c in children]
        mean = sum(results, Decimal(0)) / len(results)
        weights = {}
        for child, result in zip(children, results, strict=True):
            base = (result + mean) / 2 if child.user else result
            noise = self.noise(0.9, 1.2) if child.user else self.noise(0.95, 1.1)
            weights[child.key] = str((max(base, Decimal(1000)) * noise).quantize(Decimal("0.01")))
        return services.target_split(
            actor=actor, target=target, children=children, method="weights", weights=weights
        )

    def phase(self, actor: Any, target: Target) -> None:
        months = target.period.children("month")
        weights = {m.key: str(self.profile[m.start.month]) for m in months}
        services.target_phase(actor=actor, target=target, kind="month", method="weights",
                              weights=weights)  # fmt: skip


def _people(ctx: DemoContext) -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(is_active=True)}


def _year(ctx: DemoContext, kpi: KpiDefinition, year: Period, base: Decimal, last: bool) -> None:
    """The company's target for a year, split down to people and over months."""
    director = _people(ctx).get("director")
    window = Period(ctx.today - timedelta(days=364), ctx.today, "year") if not last else year
    planner = Planner(ctx, kpi, window)
    company = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    if director is None or company is None:
        return
    top = services.target_set(
        actor=director, kpi=kpi, period=year, value=base, unit=company,
        description=ctx_text(ctx, "company_goal"),
    )  # fmt: skip
    planner.phase(director, top)
    for region in planner.split(director, top, only=("region",)):
        head = region.owner_unit.leader or director  # type: ignore[union-attr]
        planner.phase(director, region)
        teams = planner.split(head, region, only=("team",))
        for i, team in enumerate(teams):
            sup = team.owner_unit.leader or head  # type: ignore[union-attr]
            planner.phase(head, team)
            if not last and i == len(teams) - 1 and region.owner_unit.code == "west":  # type: ignore[union-attr]
                continue  # one team not split to people yet this year
            for person_target in planner.split(sup, team):
                planner.phase(sup, person_target)


def _tweaks(ctx: DemoContext, kpi: KpiDefinition, year: Period) -> None:
    """A target raised with a reason (the team then adds up to too much), and proposals."""
    people = _people(ctx)
    mine = Target.objects.filter(kpi=kpi, period_key=year.key, owner_user__position=Role.REP)
    changed = mine.select_related("owner_user__unit__leader").order_by("pk").first()
    if changed is not None:
        leader = changed.owner_user.unit.leader  # type: ignore[union-attr]
        if leader is not None:
            services.target_update(actor=leader, target=changed,
                                   value=_round(changed.value * Decimal("1.15"), Decimal(1000)),
                                   reason=ctx_text(ctx, "raised"))  # fmt: skip
    nxt = Period.containing("quarter", ctx.today).next()
    reps = [u for name, u in sorted(people.items()) if u.position == Role.REP][:3]
    for i, rep in enumerate(reps):
        proposal = services.target_propose(actor=rep, kpi=kpi, period=nxt,
                                           value=Decimal(600_000 + 150_000 * i),
                                           description=ctx_text(ctx, "proposal"))  # fmt: skip
        if i == 2 and rep.manager is not None:
            services.target_return(actor=rep.manager, target=proposal,
                                   reason=ctx_text(ctx, "returned"))  # fmt: skip


TEXT = {
    "company_goal": (
        "全年签约收入，新老客户并重",
        "Won revenue for the year, new and existing customers",
    ),
    "raised": ("拿下两个重点客户后上调目标", "Raised after two key accounts were won"),
    "proposal": ("老客户续约加两个新行业客户", "Renewals plus two customers in a new industry"),
    "returned": ("请按上季度的实际情况重新估算", "Please re-estimate from last quarter's results"),
}


def ctx_text(ctx: DemoContext, key: str) -> str:
    zh, en = TEXT[key]
    return zh if ctx.chinese else en


def _visits(ctx: DemoContext) -> None:
    """Monthly visit targets for the reps this month and last, from their recent pace."""
    kpi = KpiDefinition.objects.get(code="visits")
    reps = list(User.objects.filter(is_active=True, position=Role.REP).select_related("manager"))
    recent = Period(ctx.today - timedelta(days=90), ctx.today, "month")
    done = person_values(kpi, recent, [r.pk for r in reps])
    for month in (Period.containing("month", ctx.today).previous(),
                  Period.containing("month", ctx.today)):  # fmt: skip
        for rep in reps:
            if rep.manager is None:
                continue
            pace = (done.get(rep.pk) or Decimal(24)) / 3
            value = max(Decimal(8), (pace * Decimal(str(ctx.rng.uniform(0.8, 1.25)))).quantize(1))
            services.target_set(actor=rep.manager, kpi=kpi, period=month, value=value, person=rep)


def _satisfaction(ctx: DemoContext) -> None:
    """Customer satisfaction (reported by hand) for a few reps this quarter."""
    kpi = KpiDefinition.objects.get(code="csat")
    quarter = Period.containing("quarter", ctx.today)
    reps = User.objects.filter(is_active=True, position=Role.REP).select_related("manager")
    for rep in list(reps.order_by("username"))[:12]:
        if rep.manager is None:
            continue
        services.target_set(actor=rep.manager, kpi=kpi, period=quarter, value="85.00", person=rep)
        score = Decimal(ctx.rng.randint(72, 96))
        services_kpis.manual_result_record(actor=rep.manager, kpi=kpi, period=quarter,
                                           value=score, person=rep)  # fmt: skip


@demo_step(30)
def targets(ctx: DemoContext) -> None:
    """Targets for this year and last, split down to people and months; visits; proposals."""
    ensure_catalogue()
    kpi = KpiDefinition.objects.get(code="won_revenue")
    this_year = Period.containing("year", ctx.today)
    last_year = this_year.previous()
    recent = Period(ctx.today - timedelta(days=364), ctx.today, "year")
    parts = kpis.evaluate(kpi, recent.start, recent.end)
    result = sum((kpis.value_of(kpi, p) or Decimal(0) for p in parts.values()), Decimal(0))
    last_parts = kpis.evaluate(kpi, last_year.start, last_year.end)
    last_result = sum((kpis.value_of(kpi, p) or Decimal(0) for p in last_parts.values()),
                      Decimal(0))  # fmt: skip
    base_now = _round(result * Decimal("1.12")) if result else FALLBACK
    base_last = _round(last_result * Decimal("1.04")) if last_result else _round(FALLBACK * 8 / 10)
    _year(ctx, kpi, last_year, base_last, last=True)
    _year(ctx, kpi, this_year, base_now, last=False)
    _tweaks(ctx, kpi, this_year)
    _visits(ctx)
    _satisfaction(ctx)
