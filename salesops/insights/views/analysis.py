"""Funnel and sales analysis, and the drill-down list behind every figure."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesops.core.lists import Col, ListSpec, list_response
from salesops.insights import charts, links, metrics
from salesops.insights.lens import Lens, Window
from salesops.insights.selectors import funnel as selectors
from salesops.insights.views.common import export, lens_context, lens_from

L = gettext_lazy

DEAL_COLUMNS = [
    Col("name", L("Opportunity"), sort="name"),
    Col("customer", L("Customer"), sort="customer__name", value="customer__name"),
    Col("owner", L("Owner"), sort="owner__username", value="owner__display_name"),
    Col("stage", L("Stage"), sort="stage__order", value="stage__name"),
    Col("amount", L("Amount"), sort="amount", align="end"),
    Col("expected_close", L("Expected close"), sort="expected_close"),
    Col("created_at", L("Opened"), sort="created_at"),
    Col("closed_at", L("Closed"), sort="closed_at"),
]
OPEN_COLUMNS = [
    *DEAL_COLUMNS[:5],
    Col("weighted", L("Weighted"), sort="weighted", align="end"),
    Col("forecast_category", L("Forecast category"), sort="forecast_category"),
    Col("expected_close", L("Expected close"), sort="expected_close"),
]
ACTIVITY_COLUMNS = [
    Col("subject", L("Subject"), sort="subject"),
    Col("kind", L("Type"), sort="kind"),
    Col("customer", L("Customer"), sort="customer__name", value="customer__name"),
    Col("owner", L("Owner"), sort="owner__username", value="owner__display_name"),
    Col("done_at", L("Done at"), sort="done_at"),
]
STAY_COLUMNS = [
    Col("opportunity", L("Opportunity"), sort="opportunity__name", value="opportunity__name"),
    Col(
        "owner",
        L("Owner"),
        sort="opportunity__owner__username",
        value="opportunity__owner__display_name",
    ),
    Col("stage", L("Stage"), sort="stage__order", value="stage__name"),
    Col("entered_at", L("Entered"), sort="entered_at"),
    Col("left_at", L("Left"), sort="left_at"),
    Col("duration", L("Days in stage"), sort="duration", align="end"),
]


def _spec(metric: metrics.Metric) -> ListSpec:
    if metric.records == metrics.ACTIVITIES:
        return ListSpec(
            "insights-activities",
            ACTIVITY_COLUMNS,
            search=["subject"],
            totals={"count": Count("pk")},
            default_sort="-done_at",
        )
    if metric.records == metrics.STAYS:
        return ListSpec(
            "insights-stays",
            STAY_COLUMNS,
            search=["opportunity__name"],
            totals={"count": Count("pk")},
            default_sort="-left_at",
        )
    if metric.state in ("open", "coverage"):
        return ListSpec(
            "insights-open-deals",
            OPEN_COLUMNS,
            search=["name", "customer__name"],
            totals={"count": Count("pk"), "amount": Sum("amount"), "weighted_sum": Sum("weighted")},
            default_sort="expected_close",
        )
    return ListSpec(
        "insights-deals",
        DEAL_COLUMNS,
        search=["name", "customer__name"],
        totals={"count": Count("pk"), "amount": Sum("amount")},
        default_sort="-closed_at" if metric.kpi != "deals_opened" else "-created_at",
    )


NUMERIC_DIMS = ("team", "person", "product_line")


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise Http404 from exc


def _int(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    try:
        return int(raw) if raw else None
    except ValueError as exc:
        raise Http404 from exc


def _narrowed(
    request: HttpRequest, lens: Lens, metric: metrics.Metric, kpi: Any, qs: QuerySet
) -> tuple[QuerySet, list[str]]:
    """The extra filters of a drill-down link (stage, category, dates, reason, breakdown)."""
    notes: list[str] = []
    get = request.GET
    if (stage := _int(request, "stage")) is not None:
        qs = qs.filter(stage_id=stage)
        notes.append(_("one stage"))
    if get.get("category") and metric.records == metrics.DEALS:
        qs = qs.filter(forecast_category=get["category"])
        notes.append(_("one forecast category"))
    if get.get("close_from"):
        qs = qs.filter(expected_close__gte=_day(get["close_from"]))
    if get.get("close_to"):
        qs = qs.filter(expected_close__lte=_day(get["close_to"]))
    if "reason" in get:
        qs = qs.filter(lost_reason=get["reason"])
        notes.append(_("one lost reason"))
    if get.get("dim") in selectors.DIMENSIONS and "value" in get:
        if get["dim"] in NUMERIC_DIMS and get["value"] != "none" and not get["value"].isdigit():
            raise Http404
        qs = qs.filter(selectors.dimension_q(lens, metric, kpi, get["dim"], get["value"]))
        notes.append(_("one row of the breakdown"))
    if (reach := _int(request, "reach")) is not None:
        qs = qs.annotate(reach=selectors.reach()).filter(reach__gte=reach)
        notes.append(_("deals that reached the stage"))
    return qs, notes


def drill(request: HttpRequest) -> HttpResponse:
    metric = metrics.METRICS.get(request.GET.get("metric", ""))
    if metric is None:
        raise Http404
    lens = lens_from(request)
    kpi = metrics.kpi_definitions([metric.kpi])[metric.kpi] if metric.kpi else None
    qs, notes = _narrowed(request, lens, metric, kpi, metrics.records(lens, metric, kpi))
    figure = metrics.figure(lens, metric.key, qs=qs, defs={metric.kpi: kpi} if kpi else None)
    qs = qs.select_related(*_related(metric))
    context = {
        **lens_context(lens, units=False),
        "metric": metric,
        "figure": figure,
        "notes": notes,
        "keep": [("metric", metric.key)],
    }
    for name in ("stage", "category", "close_from", "close_to", "reason", "dim", "value", "reach"):
        if name in request.GET:
            context["keep"].append((name, request.GET[name]))
    return list_response(request, _spec(metric), qs, "insights/drill.html", context)


def _related(metric: metrics.Metric) -> tuple[str, ...]:
    if metric.records == metrics.ACTIVITIES:
        return ("owner", "customer")
    if metric.records == metrics.STAYS:
        return ("opportunity__owner", "opportunity__customer", "stage")
    return ("owner", "customer", "stage")


# --- funnel and sales analysis -----------------------------------------------------------------


def _funnel_charts(lens: Lens, data: dict[str, Any]) -> dict[str, Any]:
    stages, lost, trend = data["stages"], data["lost"], data["trend"]
    months = [replace(lens, window=Window.of(row["period"])) for row in trend]
    return {
        "funnel_chart": charts.funnel(
            [(row["stage"].name, row["reached"]) for row in stages],
            [links.drill(lens, "opened", reach=row["stage"].order) for row in stages],
        ),
        "lost_chart": charts.pie(
            [(row["label"], row["n"]) for row in lost],
            [links.drill(lens, "lost", reason=row["reason"]) for row in lost],
        ),
        "trend_chart": charts.bar_line(
            [row["period"].key for row in trend],
            [(_("Won revenue"), [row["won"] for row in trend])],
            [(_("Win rate (%)"), [row["win_rate"] for row in trend])],
            links=[
                [links.drill(m, "won") for m in months],
                [links.drill(m, "win_rate") for m in months],
            ],
        ),
    }


BREAKDOWN_COLUMNS = [
    (L("Group"), "label"), (L("Won deals"), "won_n"), (L("Won revenue"), "won"),
    (L("Lost deals"), "lost_n"), (L("Win rate (%)"), "win_rate"),
    (L("Average cycle (days)"), "cycle"), (L("Open deals"), "open_n"),
    (L("Open pipeline"), "open"),
]  # fmt: skip


def _funnel_export(request: HttpRequest, data: dict[str, Any]) -> Any:
    if request.GET.get("table") == "breakdown":
        header: list[Any] = [label for label, _key in BREAKDOWN_COLUMNS]
        rows = [[r[key] for _label, key in BREAKDOWN_COLUMNS] for r in data["breakdown"]]
        return export(request, f"breakdown-{data['dim']}", header, rows)
    header = [_("Stage"), _("Reached"), _("Conversion to next (%)"), _("Open deals"),
              _("Open amount"), _("Average days in stage")]  # fmt: skip
    rows = [[r["stage"].name, r["reached"], r["conversion"], r["open"].get("n", 0),
             r["open"].get("amount"), r["avg_days"]] for r in data["stages"]]  # fmt: skip
    return export(request, "funnel", header, rows)


def funnel(request: HttpRequest) -> HttpResponse:
    lens = lens_from(request, default_kind="quarter", unit_default=True)
    dim = request.GET.get("by", "person")
    data = selectors.funnel_page(lens, dim)
    if request.GET.get("export"):
        return _funnel_export(request, data)
    context = {
        **lens_context(lens, persons=lens.unit is not None),
        **data,
        **_funnel_charts(lens, data),
        "dimensions": [
            ("team", _("Team")),
            ("person", _("Person")),
            ("product_line", _("Product line")),
            ("tier", _("Customer tier")),
            ("source", _("Source")),
        ],
        "keep": [("by", data["dim"])],
        **_breakdown_shown(request, data["breakdown"]),
    }
    return render(request, "insights/funnel.html", context)


BREAKDOWN_SHOWN = 50  # rows the breakdown lists at first (a company by person has a thousand)


def _breakdown_shown(request: HttpRequest, rows: list[Any]) -> dict[str, Any]:
    """The breakdown rows the page lists: the BREAKDOWN_SHOWN with the most won revenue unless
    the user asked for all (?all=1); the CSV export always has every row."""
    show_all = request.GET.get("all") == "1"
    return {"breakdown_shown": rows if show_all else rows[:BREAKDOWN_SHOWN]}
