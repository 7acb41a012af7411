"""Forecast pages: the roll-up and deals by category, a deal's category, a manager's call."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salesops.core.visibility import get_visible_or_404
from salesops.crm.models import Opportunity
from salesops.crm.selectors.sales import can_change, editable_opportunities, weighted_amount
from salesops.insights import charts, links, metrics
from salesops.insights.forms import AdjustForm, CategoryForm
from salesops.insights.lens import Lens, Window, led_units
from salesops.insights.models import ForecastAdjustment
from salesops.insights.selectors import forecast as selectors
from salesops.insights.services.forecast import (
    CATEGORIES,
    forecast_adjust,
    forecast_category_set,
)
from salesops.insights.views.common import export, lens_context, lens_from, today, window_from
from salesops.org.roles import Role

CATEGORY_LABELS = dict(Opportunity.Forecast.choices)


def _month_chart(lens: Lens, months: dict[str, Any]) -> dict[str, Any]:
    keys = [m.key for m in months["months"]]
    series, chart_links = [], []
    for cat in CATEGORIES:
        series.append(
            (
                CATEGORY_LABELS[cat],
                [months["cells"].get((k, cat), {}).get("weighted", 0) for k in keys],
            )
        )
        chart_links.append(
            [
                links.drill(
                    lens,
                    "pipeline",
                    category=cat,
                    close_from=m.start.isoformat(),
                    close_to=m.end.isoformat(),
                )
                for m in months["months"]
            ]
        )
    colors = [charts.CATEGORY_COLORS[c] for c in CATEGORIES]
    return charts.bar(keys, series, links=chart_links, stack=True, colors=colors)


def _accuracy_chart(lens: Lens, rows: list[dict[str, Any]]) -> dict[str, Any]:
    months = [r["period"].key for r in rows]
    won_links = [links.drill(replace(lens, window=Window.of(r["period"])), "won") for r in rows]
    return charts.bar_line(
        months,
        [(_("Won"), [r["actual"] for r in rows])],
        [
            (
                _("Call at the month's start"),
                [r["start"].call if r["start"] else None for r in rows],
            ),
            (_("Call at mid-month"), [r["mid"].call if r["mid"] else None for r in rows]),
        ],
        links=[won_links],
        line_kind="money",
    )


DEAL_COLUMNS = [gettext_lazy("Opportunity"), gettext_lazy("Customer"), gettext_lazy("Owner"),
                gettext_lazy("Stage"), gettext_lazy("Amount"), gettext_lazy("Weighted"),
                gettext_lazy("Forecast category"), gettext_lazy("Expected close")]  # fmt: skip


def _deal_line(d: Any) -> list[Any]:
    return [d.name, d.customer.name, str(d.owner), d.stage.name, d.amount, d.weighted,
            d.get_forecast_category_display(), d.expected_close]  # fmt: skip


def _export(request: HttpRequest, data: dict[str, Any]) -> Any:
    if request.GET.get("table") == "deals":
        rows = [_deal_line(d) for d in data["deals"]]
        return export(request, "forecast-deals", list(DEAL_COLUMNS), rows)
    header = [_("Name"), _("Won"), *[CATEGORY_LABELS[c] for c in CATEGORIES], _("Weighted"),
              _("Call"), _("Target"), _("Call ÷ target (%)")]  # fmt: skip
    rows = [[r["label"], r["won"], *[r[c] for c in CATEGORIES], r["weighted"], r["final"],
             r["target"], r["pct"]] for r in data["rows"]]  # fmt: skip
    return export(request, "forecast", header, rows)


def forecast(request: HttpRequest) -> HttpResponse:
    # A channel manager forecasts their partners' deals (all they see), not deals of their own.
    mine = request.user.role != Role.CHANNEL_MANAGER
    lens = lens_from(request, unit_default=True, person_default=mine)
    data = selectors.forecast_page(lens)
    if request.GET.get("export"):
        return _export(request, data)
    context = {
        **lens_context(lens, persons=bool(led_units(lens.actor).exists())),
        **data,
        "categories": [(c, CATEGORY_LABELS[c]) for c in CATEGORIES],
        "month_chart": _month_chart(lens, data["months"]),
        "accuracy_chart": _accuracy_chart(lens, data["accuracy"]) if data["accuracy"] else None,
    }
    return render(request, "insights/forecast.html", context)


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if ok else fallback


@require_POST
def category(request: HttpRequest, pk: int) -> HttpResponse:
    deals = editable_opportunities(actor=request.user)
    deal = get_visible_or_404(deals, request.user, pk=pk)
    form = CategoryForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            forecast_category_set(
                actor=request.user,
                opportunity=deal,
                category=form.cleaned_data["forecast_category"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = _("Choose one of the forecast categories.")
    if getattr(request, "htmx", False):
        row = (
            editable_opportunities(actor=request.user)
            .annotate(weighted=weighted_amount(), can_change=can_change(request.user))
            .get(pk=pk)
        )
        context = {
            "d": row,
            "categories": [(c, CATEGORY_LABELS[c]) for c in CATEGORIES],
            "error": error,
        }
        return render(request, "insights/_deal_row.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Forecast category saved."))
    return redirect(_back(request, reverse("insights:forecast")))


def adjust(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = led_units(request.user).filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    window = window_from(request, "month", today())
    lens = Lens(actor=request.user, window=window, today=today(), unit=unit)
    form = AdjustForm(request.POST or None)
    back = links.page("insights:forecast", lens)
    if request.method == "POST" and form.is_valid():
        try:
            forecast_adjust(actor=request.user, unit=unit, window=window, **form.cleaned_data)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("Your forecast call is saved."))
            return redirect(back)
    kpi = metrics.kpi_definitions(["won_revenue"])["won_revenue"]
    history = (
        ForecastAdjustment.objects.visible_to(request.user)
        .filter(owner_unit=unit, period_key=window.key)
        .select_related("author")
    )
    context = {
        "form": form,
        "unit": unit,
        "lens": lens,
        "back": back,
        "total": selectors.totals(lens, kpi),
        "history": history,
        "custom": window.period is None,
    }
    return render(request, "insights/forecast_adjust.html", context)
