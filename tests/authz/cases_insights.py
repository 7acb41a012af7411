"""Matrix cases of insights: dashboards, funnel, drill-down, forecast, alerts, rules, and the
insights API.

Alerts are seen by their owner's chain (and whoever they were sent to); a deal's forecast
category is changed by the owner's chain only (the channel manager sees a partner's deal but
gets 404); a unit's forecast is adjusted by the leaders of that unit or of one above it.
"""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from salesops.insights.lens import Window
from salesops.insights.models import Alert, AlertDelivery, AlertRule
from salesops.insights.tests import support as make
from tests.authz.framework import EVERYONE, OUTSIDE_CHAIN, REP_CHAIN, Case, Target

PARTNER_SEEN = REP_CHAIN | {"channel_manager"}


def _deal(owner: Any, **extra: Any) -> Any:
    return make.deal(owner, "1000.00", stage_code="lead", expected_close=make.today(), **extra)


def _partner_deal(cast: Any) -> Any:
    from salesops.crm.models import Partner

    partner = Partner.objects.create(
        name="Channel Co", kind=Partner.Kind.DISTRIBUTOR, channel_manager=cast.channel_manager
    )
    return _deal(cast.rep, partner=partner)


def _alert(owner: Any, chain: Any) -> Alert:
    make.ensure_reference()
    deal = _deal(owner, close_date_changes=3)
    now = timezone.now() - timedelta(hours=1)
    alert = Alert.objects.create(
        rule=AlertRule.objects.get(code="close-date-slipped"), subject_key=f"opportunity:{deal.pk}",
        owner=owner, opportunity=deal, severity="warning", detail={"slips": 3},
        first_seen_at=now, last_seen_at=now,
    )  # fmt: skip
    AlertDelivery.objects.create(alert=alert, user=owner, reason="owner")
    AlertDelivery.objects.create(alert=alert, user=chain, reason="chain")
    return alert


def _rule(cast: Any) -> AlertRule:
    make.ensure_reference()
    return AlertRule.objects.get(code="stuck-deal")


TARGETS = {
    "ins_rep_alert": Target(lambda cast: _alert(cast.rep, cast.supervisor), REP_CHAIN),
    "ins_outside_alert": Target(
        lambda cast: _alert(cast.outside_rep, cast.other_supervisor), OUTSIDE_CHAIN
    ),
    "ins_rep_deal": Target(lambda cast: _deal(cast.rep), REP_CHAIN),
    "ins_outside_deal": Target(lambda cast: _deal(cast.outside_rep), OUTSIDE_CHAIN),
    "ins_partner_deal": Target(_partner_deal, PARTNER_SEEN),
    # Units: the leaders of the unit and of the units above it (reps are refused by role).
    "ins_rep_unit": Target(lambda cast: cast.units["n1"], REP_CHAIN),
    "ins_outside_unit": Target(lambda cast: cast.units["s1"], OUTSIDE_CHAIN),
    "ins_rule": Target(_rule, EVERYONE),
}
ALERTS = ("ins_rep_alert", "ins_outside_alert")
DEALS = ("ins_rep_deal", "ins_outside_deal", "ins_partner_deal")
UNITS = ("ins_rep_unit", "ins_outside_unit")
OWNER_CHAIN_ACTS = {"ins_partner_deal": REP_CHAIN}


def _adjustment(cast: Any, _obj: Any) -> dict[str, Any]:
    period = Window.containing("month", make.today()).key
    return {"period": period, "amount": "1000.00", "reason": "Two deals slip"}


CASES = [
    Case("insights:rep"),
    Case("insights:team"),
    Case("insights:managers"),
    Case("insights:funnel"),
    Case("insights:drill", query="metric=won"),
    # Whom each leader is offered: insights/tests/test_person_picker.py; here, who may ask.
    Case("insights:person_picker", query="q=rep"),
    Case("insights:forecast"),
    Case(
        "insights:forecast_category",
        method="post",
        targets=DEALS,
        data={"forecast_category": "commit"},
        ok=302,
        acts_on=OWNER_CHAIN_ACTS,
    ),
    Case("insights:forecast_adjust", targets=UNITS, kwarg="unit_id"),
    Case("insights:inbox"),
    Case("insights:alert_detail", targets=ALERTS),
    Case("insights:alert_acknowledge", method="post", targets=ALERTS, ok=302),
    Case("insights:alert_snooze", method="post", targets=ALERTS, data={"days": "3"}, ok=302),
    Case("insights:rule_list"),
    Case("insights:rule_edit", targets=("ins_rule",)),
    Case("insights:scan_run", method="post", ok=302),
    # API
    Case("api:insights_alert_list"),
    Case("api:insights_alert_acknowledge", method="post", targets=ALERTS, kwarg="alert_id"),
    Case(
        "api:insights_alert_snooze",
        method="post",
        targets=ALERTS,
        kwarg="alert_id",
        data={"days": 3},
    ),
    Case("api:insights_funnel_summary"),
    Case("api:insights_forecast_rollup"),
    Case(
        "api:insights_forecast_adjust",
        method="post",
        targets=UNITS,
        kwarg="unit_id",
        data=_adjustment,
        ok=201,
    ),
    Case(
        "api:insights_forecast_category_set",
        method="post",
        targets=DEALS,
        kwarg="opportunity_id",
        data={"forecast_category": "commit"},
        acts_on=OWNER_CHAIN_ACTS,
    ),
    Case("api:insights_manager_table"),
]
