"""Insights API: alerts (list, acknowledge, snooze), funnel, forecast (roll-up, categories,
adjustments) and the managers' table. Reads start from the viewer's visible records; a unit
or person asked for must be one the viewer leads or sees (404 otherwise)."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja.pagination import LimitOffsetPagination, paginate

from salesops.core.api import PolicyRouter
from salesops.core.visibility import get_visible_or_404
from salesops.crm.selectors.sales import editable_opportunities
from salesops.insights.lens import Window, led_units
from salesops.insights.models import Alert
from salesops.insights.schemas import (
    AdjustIn,
    AdjustOut,
    AlertOut,
    CategoryIn,
    CategoryOut,
    DeliveryOut,
    ForecastOut,
    FunnelOut,
    ManagerRowOut,
    SnoozeIn,
)
from salesops.insights.selectors import alerts as alert_selectors
from salesops.insights.selectors import forecast as forecast_selectors
from salesops.insights.selectors import funnel as funnel_selectors
from salesops.insights.selectors.managers import manager_rows
from salesops.insights.services import alerts as alert_services
from salesops.insights.services import forecast as forecast_services
from salesops.insights.views.common import lens_from

router = PolicyRouter(app="insights")


def _alert_out(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "rule": alert.rule.code,
        "rule_name": str(alert.rule.label),
        "kind": alert.rule.kind,
        "severity": alert.severity,
        "subject": alert_selectors.subject_label(alert),
        "text": alert_selectors.describe(alert),
        "owner_id": alert.owner_id,
        "opportunity_id": alert.opportunity_id,
        "customer_id": alert.customer_id,
        "target_id": alert.target_id,
        "first_seen_at": alert.first_seen_at,
        "last_seen_at": alert.last_seen_at,
        "resolved_at": alert.resolved_at,
        "acknowledged_at": getattr(alert, "my_ack", None),
        "snoozed_until": getattr(alert, "my_snooze", None),
    }


@router.get("/alerts", response=list[AlertOut], tags=["insights"])
@paginate(LimitOffsetPagination)
def alert_list(
    request: HttpRequest, box: str = "mine", state: str = "active"
) -> list[dict[str, Any]]:
    """The viewer's alerts: box "mine" or "team"; state active, acknowledged, snoozed,
    resolved or all."""
    if state not in alert_selectors.STATES:
        state = "active"
    qs = alert_selectors.inbox(actor=request.user, box=box, state=state).order_by(
        "-first_seen_at", "-id"
    )
    return [_alert_out(a) for a in qs[:500]]


def _delivery_out(delivery: Any) -> dict[str, Any]:
    return {
        "alert_id": delivery.alert_id,
        "acknowledged_at": delivery.acknowledged_at,
        "snoozed_until": delivery.snoozed_until,
    }


@router.post("/alerts/{alert_id}/acknowledge", response=DeliveryOut, tags=["insights"])
def alert_acknowledge(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    alert = get_visible_or_404(Alert, request.user, pk=alert_id)
    return _delivery_out(alert_services.alert_acknowledge(actor=request.user, alert=alert))


@router.post("/alerts/{alert_id}/snooze", response=DeliveryOut, tags=["insights"])
def alert_snooze(request: HttpRequest, alert_id: int, payload: SnoozeIn) -> dict[str, Any]:
    alert = get_visible_or_404(Alert, request.user, pk=alert_id)
    delivery = alert_services.alert_snooze(actor=request.user, alert=alert, days=payload.days)
    return _delivery_out(delivery)


@router.get("/funnel", response=FunnelOut, tags=["insights"])
def funnel_summary(
    request: HttpRequest, period: str = "", unit: int | None = None, person: int | None = None
) -> dict[str, Any]:
    """Win rate, cycle, velocity, stage conversion and lost reasons for a period."""
    lens = lens_from(request, default_kind="quarter")
    defs = funnel_selectors.metrics.kpi_definitions(funnel_selectors.FUNNEL_KPIS)
    head = funnel_selectors.headline(lens, defs)
    stages = funnel_selectors.stage_rows(lens, defs)
    return {
        "period": lens.window.key,
        "won": head["won"]["value"],
        "won_count": head["won"]["parts"].get("n", 0),
        "win_rate_pct": head["win_rate"]["value"],
        "avg_cycle_days": head["cycle"]["value"],
        "avg_won_deal": head["avg_size"],
        "velocity_per_day": head["velocity"],
        "stages": [
            {
                "code": r["stage"].code,
                "name": r["stage"].name,
                "reached": r["reached"],
                "conversion_pct": r["conversion"],
                "open_count": r["open"].get("n", 0),
                "open_amount": r["open"].get("amount", 0),
                "avg_days": r["avg_days"],
            }
            for r in stages
        ],
        "lost_reasons": [
            {"reason": r["reason"], "count": r["n"], "amount": r["amount"]}
            for r in funnel_selectors.lost_reasons(lens, defs["lost_deals"])
        ],
    }


def _row_out(kind: str, row: dict[str, Any]) -> dict[str, Any]:
    who = row.get("unit") or row.get("person")
    return {
        "kind": kind,
        "id": who.pk,
        "name": row["label"],
        "won": row["won"],
        "commit": row["commit"],
        "best_case": row["best_case"],
        "pipeline": row["pipeline"],
        "omitted": row["omitted"],
        "weighted": row["weighted"],
        "call": row["final"],
        "target": row["target"],
        "adjusted": row["adjustment"] is not None,
    }


@router.get("/forecast", response=ForecastOut, tags=["insights"])
def forecast_rollup(
    request: HttpRequest, period: str = "", unit: int | None = None, person: int | None = None
) -> dict[str, Any]:
    """The forecast of a unit (default: the highest the viewer leads) or a person."""
    lens = lens_from(request, unit_default=True, person_default=True)
    data = forecast_selectors.forecast_page(lens)
    total = data["total"]
    adjustment = total["adjustment"]
    return {
        "period": lens.window.key,
        "unit_id": lens.unit.pk if lens.unit else None,
        "person_id": lens.person.pk if lens.person else None,
        "target": total["target"],
        **{k: total[k] for k in ("won", "commit", "best_case", "pipeline", "omitted", "weighted")},
        "rollup_call": total["call"],
        "call": total["final"],
        "adjustment_reason": adjustment.reason if adjustment else "",
        "rows": [_row_out(data["row_kind"], r) for r in data["rows"]],
    }


@router.post("/forecast/units/{unit_id}/adjustments", response={201: AdjustOut}, tags=["insights"])
def forecast_adjust(
    request: HttpRequest, unit_id: int, payload: AdjustIn
) -> tuple[int, dict[str, Any]]:
    """A manager's call for a unit they lead and a period, with the reason."""
    unit = led_units(request.user).filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    try:
        window = Window.parse(payload.period)
    except ValueError as exc:
        message = _("Write a period as 2026, 2026-Q1 or 2026-03.")
        raise ValidationError({"period": message}) from exc
    row = forecast_services.forecast_adjust(
        actor=request.user, unit=unit, window=window, amount=payload.amount, reason=payload.reason
    )
    return 201, {
        "id": row.pk,
        "unit_id": unit.pk,
        "period": row.period_key,
        "amount": row.amount,
        "reason": row.reason,
        "created_at": row.created_at,
    }


@router.post(
    "/opportunities/{opportunity_id}/forecast-category", response=CategoryOut, tags=["insights"]
)
def forecast_category_set(
    request: HttpRequest, opportunity_id: int, payload: CategoryIn
) -> dict[str, Any]:
    """Place an open deal the viewer may change in a forecast category."""
    deal = get_visible_or_404(
        editable_opportunities(actor=request.user), request.user, pk=opportunity_id
    )
    try:
        deal = forecast_services.forecast_category_set(
            actor=request.user, opportunity=deal, category=payload.forecast_category
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    return {"id": deal.pk, "forecast_category": deal.forecast_category}


@router.get("/managers", response=list[ManagerRowOut], tags=["insights"])
def manager_table(
    request: HttpRequest, period: str = "", unit: int | None = None, sort: str = "name"
) -> list[dict[str, Any]]:
    """One row per manager under a unit (default: the highest the viewer leads)."""
    lens = lens_from(request, unit_default=True)
    return [
        {
            "unit_id": r.unit.pk,
            "unit": r.unit.name,
            "manager": str(r.manager),
            "headcount": r.headcount,
            "won": r.now.won,
            "target": r.now.target.value if r.now.target else None,
            "attainment_pct": r.now.attainment,
            "status": r.now.status,
            "projected_pct": r.now.pace,
            "coverage": r.coverage,
            "win_rate_pct": r.now.win_rate,
            "cycle_days": r.now.cycle,
            "activities_per_person_week": r.now.activity,
            "new_customers": r.now.new_customers,
            "coaching_visits": r.now.coaching,
            "previous_won": r.before.won,
            "previous_attainment_pct": r.before.attainment,
        }
        for r in manager_rows(lens, sort)
    ]
