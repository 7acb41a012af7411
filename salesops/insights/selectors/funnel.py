"""Funnel and sales analysis: how deals move through the stages, how long they stay, why they
are lost, and how each team, person, product line, customer tier or source converts.

Conversion is measured on a cohort: the deals opened in the window, each counted in every stage
up to the furthest one it reached (from its stage history), so stage-to-stage conversion is
"reached the next stage ÷ reached this one". Fifteen queries or so, whatever the volume.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from salesops.core import shared_reads
from salesops.core.money import CENT, ZERO
from salesops.core.periods import between
from salesops.crm.models import Opportunity, Stage, StageHistory, StagesReached
from salesops.crm.models.choices import Source, Tier
from salesops.insights import metrics, rolled
from salesops.insights.lens import Lens
from salesops.insights.selectors import common
from salesops.insights.selectors import funnel_reads as reads
from salesops.insights.selectors.common import stages as open_stages
from salesops.insights.selectors.funnel_reads import FIELD, dim_keys
from salesops.org.models import NAME_FIELDS, OrgUnit, ProductLine, User, shown_name
from salesops.targets import attribution

DIMENSIONS = ("team", "person", "product_line", "tier", "source")
TENTH = Decimal("0.1")
FUNNEL_KPIS = [
    "won_revenue",
    "win_rate",
    "sales_cycle",
    "lost_deals",
    "deals_opened",
    "closed_deals",
]


def reach() -> Subquery:
    """The order of the furthest stage a deal reached (lost does not count)."""
    furthest = (
        StageHistory.objects.filter(opportunity=OuterRef("pk"))
        .exclude(stage__kind=Stage.Kind.LOST)
        .order_by("-stage__order")
        .values("stage__order")[:1]
    )
    return Subquery(furthest)


COUNT_AMOUNT = {"n": Count("pk"), "amount": Sum("amount")}


def reached(lens: Lens, kpi: Any, funnel: list[Stage]) -> dict[int, metrics.Parts]:
    """Per funnel stage: the deals of the cohort (opened in the window) that reached it or a
    later stage, and their amount. From the bits of the stages each deal has been in: summed
    per owner and month of opening (crm.DealCohort, insights.rolled) or per deal
    (crm.StagesReached), one aggregate either way; or by each deal's furthest stage in its
    history when a stage id has no bit."""
    stages = list(Stage.objects.values_list("pk", "order", "kind"))
    if any(pk > StagesReached.MAX_BIT for pk, _order, _kind in stages):
        return _reached_by_history(cohort(lens, kpi), funnel)
    masks = {
        stage.pk: sum(1 << pk for pk, order, kind in stages
                      if kind != Stage.Kind.LOST and order >= stage.order)
        for stage in funnel
    }  # fmt: skip
    found = rolled.reached(lens, kpi, masks)
    if found is not None:
        return found
    deals = metrics.dated(lens, kpi, lens.window.start, lens.window.end).order_by()
    aggs = rolled.reach_aggregates(masks, "stages_reached__bits", rolled=False)
    return rolled.reach_parts(deals.aggregate(**aggs), masks)


def _reached_by_history(qs: QuerySet[Opportunity], funnel: list[Stage]) -> Any:
    by_reach = metrics.grouped(qs, ["reach"], COUNT_AMOUNT)
    found = {}
    for stage in funnel:
        got = {"n": 0, "amount": ZERO}
        for (order,), parts in by_reach.items():
            if order is not None and order >= stage.order:
                got = metrics.add(got, parts)
        found[stage.pk] = got
    return found


def cohort(lens: Lens, kpi: Any) -> QuerySet[Opportunity]:
    """The visible deals opened in the window, with the furthest stage each reached."""
    return metrics.dated(lens, kpi, lens.window.start, lens.window.end).annotate(reach=reach())


def _rate(num: Any, den: Any) -> Decimal | None:
    if not den:
        return None
    return (Decimal(num) * 100 / Decimal(den)).quantize(TENTH, ROUND_HALF_UP)


def stage_rows(
    lens: Lens, defs: dict[str, Any], now: dict[tuple[Any, ...], metrics.Parts] | None = None
) -> list[dict[str, Any]]:
    """Per open stage (and won): deals of the cohort that reached it, conversion to the next,
    open deals in it now (`now`, by stage id, when already read), and the average days of the
    stays that ended in the window."""
    funnel = [*open_stages(), *Stage.objects.filter(kind=Stage.Kind.WON, is_active=True)]
    reached_by = reached(lens, defs["deals_opened"], funnel)
    if now is None:
        now = metrics.open_grouped(lens, ["stage_id"])
    stays = rolled.stays_by_stage(lens)
    if stays is None:
        stays = metrics.grouped(
            metrics.stays(lens, lens.window.start, lens.window.end, by_owner=False),
            ["stage_id"],
            {"n": Count("pk"), "total": Sum("duration")},
        )
    rows = []
    for stage in funnel:
        got = reached_by[stage.pk]
        stay = stays.get((stage.pk,), {})
        rows.append(
            {
                "stage": stage,
                "reached": got["n"],
                "reached_amount": got["amount"],
                "open": now.get((stage.pk,), {}),
                "stays": stay.get("n", 0),
                "avg_days": metrics.value(metrics.METRICS["stays"], stay),
            }
        )
    for i, row in enumerate(rows):
        nxt = rows[i + 1]["reached"] if i + 1 < len(rows) else None
        row["conversion"] = _rate(nxt, row["reached"]) if nxt is not None else None
    return rows


def lost_reasons(lens: Lens, kpi: Any) -> list[dict[str, Any]]:
    """Lost deals closed in the window, per reason: count and amount (one query)."""
    qs = metrics.dated(lens, kpi, lens.window.start, lens.window.end)
    return lost_rows(metrics.grouped(qs, ["lost_reason"], COUNT_AMOUNT))


def lost_rows(by_reason: dict[tuple[Any, ...], metrics.Parts]) -> list[dict[str, Any]]:
    """The lost-reason table from count and amount per (reason,), most frequent first."""
    labels = dict(Opportunity.LostReason.choices)
    found = [{"reason": r or "", "label": labels.get(r, r or "—"), **p}
             for (r,), p in by_reason.items()]  # fmt: skip
    return sorted(found, key=lambda row: -row["n"])


def headline(lens: Lens, defs: dict[str, Any]) -> dict[str, Any]:
    """Win rate, won, average deal size and cycle, open deals, and the sales velocity: open
    deals × average won deal × win rate ÷ cycle days (money per day). Four queries."""
    won = metrics.figure(lens, "won", defs=defs)
    rate = metrics.figure(lens, "win_rate", defs=defs)
    cycle = metrics.figure(lens, "cycle", defs=defs)
    return headline_of(won, rate, cycle, metrics.figure(lens, "pipeline", defs=defs))


def headline_of(won: Any, rate: Any, cycle: Any, pipeline: Any) -> dict[str, Any]:
    """The headline from its four figures: with the average deal size and the velocity."""
    n = won["parts"].get("n", 0)
    size = (won["value"] / n).quantize(CENT, ROUND_HALF_UP) if n else None
    velocity = None
    if size is not None and rate["value"] is not None and cycle["value"]:
        open_n = pipeline["parts"].get("n", 0)
        velocity = (open_n * size * rate["value"] / 100 / cycle["value"]).quantize(CENT)
    return {
        "won": won,
        "win_rate": rate,
        "cycle": cycle,
        "pipeline": pipeline,
        "avg_size": size,
        "velocity": velocity,
    }


def _labels(dim: str, keys: set[Any]) -> dict[Any, str]:
    if dim == "team":
        return {u.pk: u.name for u in OrgUnit.objects.filter(pk__in=keys)}
    if dim == "person":
        names = User.objects.filter(pk__in=keys).values_list("pk", *NAME_FIELDS)
        return {pk: shown_name(*name) for pk, *name in names}
    if dim == "product_line":
        return {p.pk: p.name for p in ProductLine.objects.filter(pk__in=keys)}
    return {k: str(v) for k, v in (Tier.choices if dim == "tier" else Source.choices)}


def rekeyed(rows: Any, dim: str, info: attribution.Stints) -> Any:
    """Parts grouped by dim_keys, keyed by the dimension's value; per team, the unit the owner
    was in on the record's date (mapped from owner and stint with `info`)."""
    return attribution.unit_keyed(rows, info) if dim == "team" else rows


def _by(qs: QuerySet, dim: str, aggs: dict[str, Any], info: attribution.Stints) -> Any:
    """Parts per value of a dimension (one query)."""
    return rekeyed(metrics.grouped(qs, dim_keys(dim), aggs), dim, info)


def breakdown(lens: Lens, defs: dict[str, Any], dim: str) -> list[dict[str, Any]]:
    """Per value of a dimension: won and lost deals closed in the window, win rate, average
    cycle of the won ones, and open pipeline now (three queries and the labels)."""
    dim = dim if dim in DIMENSIONS else "person"
    w = lens.window
    dated, today = metrics.stints_for(lens, w.start, w.end), lens.today
    closed = metrics.dated(lens, defs["closed_deals"], w.start, w.end)
    won_q = Q(stage__kind=Stage.Kind.WON)
    parts = {
        "n": Count("pk"),
        "num": Count("pk", filter=won_q),
        "amount": Sum("amount", filter=won_q),
    }
    outcome = _by(closed, dim, parts, dated)
    cycle_kpi = defs["sales_cycle"]
    cycles = _by(
        metrics.dated(lens, cycle_kpi, w.start, w.end), dim, metrics.kpi_aggregates(cycle_kpi),
        dated,
    )  # fmt: skip
    now = metrics.stints_for(lens, today, today)
    pipe = _by(metrics.open_deals(lens), dim, metrics.DEAL_AGGREGATES, now)
    return breakdown_rows(dim, outcome, cycles, pipe, cycle_kpi)


def breakdown_rows(dim: str, outcome: Any, cycles: Any, pipe: Any, cycle_kpi: Any) -> list[Any]:
    """The breakdown table from parts per (value,): closed deals (n, num won, amount won), the
    won deals' cycle and open pipeline; most won first."""
    keys = {k[0] for k in (*outcome, *pipe)}
    labels = _labels(dim, {k for k in keys if k is not None})
    rows = [_breakdown_row(k, labels, outcome.get((k,), {}), pipe.get((k,), {}),
                           metrics.value(metrics.METRICS["cycle"], cycles.get((k,)), cycle_kpi))
            for k in keys]  # fmt: skip
    return sorted(rows, key=lambda r: (-r["won"], -r["open"], str(r["label"])))


def _breakdown_row(
    k: Any, labels: dict[Any, str], out: metrics.Parts, pipeline: metrics.Parts, cycle: Any
) -> dict[str, Any]:
    return {
        "key": "none" if k in (None, "") else k, "label": labels.get(k, "—"),
        "won_n": out.get("num", 0), "won": out.get("amount", ZERO),
        "lost_n": out.get("n", 0) - out.get("num", 0),
        "win_rate": _rate(out.get("num", 0), out.get("n", 0)), "cycle": cycle,
        "open_n": pipeline.get("n", 0), "open": pipeline.get("amount", ZERO),
    }  # fmt: skip


def dimension_q(lens: Lens, metric: metrics.Metric, kpi: Any, dim: str, value: str) -> Q:
    """The filter of one breakdown row ("none" for records without a value) on the records of
    a figure (metrics.records); a team row by the unit the owner was in on the record's date."""
    if dim == "team":
        return metrics.unit_q(lens, metric, kpi, None if value == "none" else int(value))
    key = FIELD[dim]
    if value == "none":
        missing = Q(**{f"{key}__isnull": True})
        return missing | Q(**{key: ""}) if dim == "source" else missing
    return Q(**{key: value})


def trend(lens: Lens, defs: dict[str, Any], months: int = 12) -> list[dict[str, Any]]:
    """Per month over the last `months`: won amount and count, win rate, deals opened."""
    window = common.trend_window(lens, months)
    span, start, end = replace(lens, window=window), window.start, window.end
    codes = ("won_revenue", "win_rate", "deals_opened")
    got = metrics.kpis_by_bucket(span, [defs[c] for c in codes], "month", start, end)
    rows = []
    for month in between("month", start, end):
        won, rate = got["won_revenue"].get((month.key,), {}), got["win_rate"].get((month.key,), {})
        rows.append(
            {
                "period": month,
                "won": won.get("total", ZERO),
                "won_n": won.get("n", 0),
                "win_rate": _rate(rate.get("num", 0), rate.get("n", 0)),
                "opened": got["deals_opened"].get((month.key,), {}).get("n", 0),
            }
        )
    return rows


@shared_reads.scope
def funnel_page(lens: Lens, dim: str) -> dict[str, Any]:
    """Everything the funnel page shows. The window's closed deals and today's open deals are
    each read once for the headline, the breakdown, the lost reasons and the stage table
    (funnel_reads); read figure by figure when the closed-deal KPIs do not share their rows."""
    defs = metrics.kpi_definitions(FUNNEL_KPIS)
    dim = dim if dim in DIMENSIONS else "person"
    closed = reads.closed_parts(lens, defs, dim)
    if closed is None:
        together = {
            "headline": headline(lens, defs),
            "stages": stage_rows(lens, defs),
            "lost": lost_reasons(lens, defs["lost_deals"]),
            "breakdown": breakdown(lens, defs, dim),
        }
    else:
        together = _from_parts(lens, defs, dim, closed, reads.open_parts(lens, dim))
    return {**together, "dim": dim, "trend": trend(lens, defs)}


def _from_parts(lens: Lens, defs: dict[str, Any], dim: str, closed: reads.ClosedParts,
                open_now: reads.OpenParts) -> dict[str, Any]:  # fmt: skip
    """The headline, stage table, lost reasons and breakdown from the grouped reads."""
    w, today = lens.window, lens.today
    info, now = metrics.stints_for(lens, w.start, w.end), metrics.stints_for(lens, today, today)
    won, rate, cycle = (metrics.figure_of(key, closed.figures[key], defs)
                        for key in ("won", "win_rate", "cycle"))  # fmt: skip
    pipeline = metrics.figure_of("pipeline", open_now.by_stage.values(), defs)
    pipe = rekeyed(open_now.by_dim, dim, now)
    outcome, cycles = rekeyed(closed.outcome, dim, info), rekeyed(closed.cycles, dim, info)
    return {
        "headline": headline_of(won, rate, cycle, pipeline),
        "stages": stage_rows(lens, defs, open_now.by_stage),
        "lost": lost_rows(closed.lost),
        "breakdown": breakdown_rows(dim, outcome, cycles, pipe, defs["sales_cycle"]),
    }
