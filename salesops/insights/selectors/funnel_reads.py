"""The funnel page's two grouped reads: the window's closed deals and today's open deals.

The headline (won, win rate, cycle), the breakdown's won and lost deals and cycles, and the
lost reasons all read the window's closed deals; the headline's pipeline, the breakdown's open
deals and the stage table's open deals all read today's open deals. Read figure by figure that
was ten queries, six of them over the same closed deals. Here each set is read once, grouped by
the breakdown's dimension and by lost reason (closed) or stage (open), and every figure is a sum
of those groups. The closed-deal KPIs are computed as targets.kpi_batch computes KPIs that read
the same rows, each from its own filtered aggregates, so an administrator's filters on one KPI
still apply to it alone; if the KPIs no longer read the same rows (a definition moved to another
date field), `closed_parts` gives None and the page reads figure by figure. By person or team,
over whole months and KPIs without filters, the closed deals come from the rollups instead
(crm.DealMonth per owner and month, crm.ReasonMonth for the lost reasons), and the same sums
follow from their rows. Today's open deals by person or team come from their rollup too
(crm.OpenPipeline per owner and stage), read twice, once by the dimension and once by stage:
two reads of a small table cost less than adding up its owners by stages in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum

from salesops.core.money import ZERO
from salesops.crm.models import Stage
from salesops.insights import metrics, rolled
from salesops.insights.lens import Lens
from salesops.targets import kpi_batch, rollups

FIELD = {
    "team": "",  # by stints (targets.attribution): owner and stint
    "person": "kpi_owner",
    "product_line": "product_line_id",
    "tier": "customer__tier",
    "source": "source",
}
CLOSED_KPIS = ("won_revenue", "win_rate", "sales_cycle", "closed_deals", "lost_deals")
FIGURES = {"won": "won_revenue", "win_rate": "win_rate", "cycle": "sales_cycle"}
Keyed = dict[tuple[Any, ...], metrics.Parts]


def dim_keys(dim: str) -> list[str]:
    """What records are grouped by for a breakdown dimension (a team: owner and stint)."""
    return ["kpi_owner", "kpi_stint"] if dim == "team" else [FIELD[dim]]


@dataclass
class ClosedParts:
    """The window's closed deals summed for the page: each headline figure's parts per group,
    the breakdown's outcome (n, num won, amount won) and won cycle per dimension key, and the
    lost deals (n, amount) per (reason,)."""

    figures: dict[str, list[metrics.Parts]] = field(default_factory=dict)
    outcome: Keyed = field(default_factory=dict)
    cycles: Keyed = field(default_factory=dict)
    lost: Keyed = field(default_factory=dict)


def closed_parts(lens: Lens, defs: dict[str, Any], dim: str) -> ClosedParts | None:
    """The window's closed deals summed for the page: from the rollups when they answer, else
    one grouped read of the deals (None when the KPIs do not share rows)."""
    group = [defs[code] for code in CLOSED_KPIS]
    if len(kpi_batch.by_scan(group)) != 1:
        return None
    return _closed_rolled(lens, defs, dim, group) or _closed_read(lens, defs, dim, group)


def _closed_rolled(lens: Lens, defs: dict[str, Any], dim: str,
                   group: list[Any]) -> ClosedParts | None:  # fmt: skip
    """closed_parts by person or team from the deals' monthly rollup (crm.DealMonth per owner
    and stint: the KPIs, the outcome as closed deals and won revenue count it, the won cycle)
    and the lost reasons from crm.ReasonMonth; None when either cannot answer."""
    if dim not in ("person", "team") or not all(rollups.eligible(k) for k in group):
        return None
    info = metrics.stints_for(lens, lens.window.start, lens.window.end)
    rows = rolled.stint_rows(lens, group, info)
    lost = rolled.by_reason(lens, defs["lost_deals"]) if rows is not None else None
    if rows is None or lost is None:
        return None
    key = (lambda k: k[:1]) if dim == "person" else (lambda k: k)
    found = ClosedParts(figures={f: list(rows[code].values()) for f, code in FIGURES.items()},
                        lost=lost)  # fmt: skip
    won = rows["won_revenue"]
    for k, closed in rows["closed_deals"].items():
        if closed["n"]:
            w = won.get(k, {})
            out = {"n": closed["n"], "num": w.get("n", 0), "amount": w.get("total", ZERO)}
            metrics.put(found.outcome, key(k), out)
    for k, cycle in rows["sales_cycle"].items():
        if cycle["n"]:
            metrics.put(found.cycles, key(k), cycle)
    return found


def _closed_read(lens: Lens, defs: dict[str, Any], dim: str, group: list[Any]) -> ClosedParts:
    """closed_parts from one grouped read of the window's closed deals."""
    closed, lost = kpi_batch.own_rows(defs["closed_deals"]), kpi_batch.own_rows(defs["lost_deals"])
    won = closed & Q(stage__kind=Stage.Kind.WON)
    aggs = {**kpi_batch.aggregates(group),
            "b_n": Count("pk", filter=closed), "b_num": Count("pk", filter=won),
            "b_amount": Sum("amount", filter=won),
            "l_n": Count("pk", filter=lost), "l_amount": Sum("amount", filter=lost)}  # fmt: skip
    keys = [*dim_keys(dim), "lost_reason"]
    qs = metrics.dated_together(lens, group, lens.window.start, lens.window.end)
    found = ClosedParts(figures={key: [] for key in FIGURES})
    for row in qs.order_by().values(*keys).annotate(**aggs):
        _add_closed(found, row, tuple(row[k] for k in keys[:-1]), group, defs)
    return found


def _add_closed(found: ClosedParts, row: dict[str, Any], key: tuple[Any, ...],
                group: list[Any], defs: dict[str, Any]) -> None:  # fmt: skip
    parts = kpi_batch.split(row, group)
    for figure, code in FIGURES.items():
        if parts[code].n:
            found.figures[figure].append(metrics.kpi_parts(defs[code], parts))
    if row["b_n"]:
        out = {"n": row["b_n"], "num": row["b_num"], "amount": metrics.as_decimal(row["b_amount"])}
        metrics.put(found.outcome, key, out)
    if parts["sales_cycle"].n:
        metrics.put(found.cycles, key, metrics.kpi_parts(defs["sales_cycle"], parts))
    if row["l_n"]:
        lost = {"n": row["l_n"], "amount": metrics.as_decimal(row["l_amount"])}
        metrics.put(found.lost, (row["lost_reason"],), lost)


@dataclass
class OpenParts:
    """Today's visible open deals of the lens (count, amount, weighted) per dimension key,
    (*dim_keys) -> parts, and per stage, (stage_id,) -> parts."""

    by_dim: Keyed
    by_stage: Keyed


def open_parts(lens: Lens, dim: str) -> OpenParts:
    """Today's open deals per dimension key and per stage: two reads of the rollup of open deals
    where it answers, each grouped as the page shows it (a company's owners by stages are
    ~4,400 rows to convert and add up, its owners ~900 and its stages 7); else one read of the
    deals by both, summed here."""
    keys = dim_keys(dim)
    by_dim = rolled.open_grouped(lens, keys)
    by_stage = rolled.open_grouped(lens, ["stage_id"]) if by_dim is not None else None
    if by_dim is None or by_stage is None:
        rows = metrics.open_grouped(lens, [*keys, "stage_id"])
        return OpenParts(summed(rows, lambda k: k[:-1]), summed(rows, lambda k: k[-1:]))
    return OpenParts(by_dim, by_stage)


def summed(rows: Keyed, key: Any) -> Keyed:
    """Parts re-grouped by `key(old key)`, added up."""
    found: Keyed = {}
    for k, parts in rows.items():
        metrics.put(found, key(k), parts)
    return found
