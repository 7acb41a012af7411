"""Matrix cases of the CRM sales area: products, stages, deals and lines, board, activities,
import, and the sales API.

Deals and activities are seen by their owner's chain (and, through a partner, by its channel
manager), but only the owner's chain may change them: the channel manager gets 404 there.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from salesops.crm.models import Customer, OpportunityLine
from salesops.crm.services import sales as services
from salesops.crm.tests import test_sales_support as make
from tests.authz.framework import OUTSIDE_CHAIN, REP_CHAIN, Case, Target

PARTNER_SEEN = REP_CHAIN | {"channel_manager"}


def _partner_deal(cast: Any) -> Any:
    return make.deal(cast.rep, name="Partner deal", partner=make.partner(cast.channel_manager))


def _line(owner: Any) -> OpportunityLine:
    deal = make.deal(owner, name="Lined deal")
    return services.opportunity_line_add(
        actor=owner, opportunity=deal, product=make.product("P-LINE"), quantity=Decimal(2)
    )


def _partner_activity(cast: Any) -> Any:
    deal = _partner_deal(cast)
    return services.activity_log(
        actor=cast.rep, kind="call", subject="Call", opportunity=deal,
        due_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip


TARGETS = {
    "sales_rep_deal": Target(lambda cast: make.deal(cast.rep), REP_CHAIN),
    "sales_outside_deal": Target(lambda cast: make.deal(cast.outside_rep), OUTSIDE_CHAIN),
    "sales_partner_deal": Target(_partner_deal, PARTNER_SEEN),
    "sales_rep_line": Target(lambda cast: _line(cast.rep), REP_CHAIN),
    "sales_outside_line": Target(lambda cast: _line(cast.outside_rep), OUTSIDE_CHAIN),
    "sales_rep_activity": Target(
        lambda cast: make.planned(cast.rep, make.customer(cast.rep)), REP_CHAIN
    ),
    "sales_outside_activity": Target(
        lambda cast: make.planned(cast.outside_rep, make.customer(cast.outside_rep)), OUTSIDE_CHAIN
    ),
    "sales_partner_activity": Target(_partner_activity, PARTNER_SEEN),
}
DEALS = ("sales_rep_deal", "sales_outside_deal", "sales_partner_deal")
LINES = ("sales_rep_line", "sales_outside_line")
ACTIVITIES = ("sales_rep_activity", "sales_outside_activity", "sales_partner_activity")
# Seeing a partner's deal or activity is not enough to change it.
OWNER_CHAIN_ACTS = {
    "sales_partner_deal": REP_CHAIN,
    "sales_partner_activity": REP_CHAIN,
}


def _lost(cast: Any, _obj: Any) -> dict[str, Any]:
    return {"stage": make.stage("lost").pk, "lost_reason": "price"}


def _pool_deal(cast: Any, _obj: Any) -> dict[str, Any]:
    pool = Customer.objects.create(name="Pool customer")  # no owner: every sales role sees it
    return {"customer_id": pool.pk, "name": "API deal"}


def _pool_activity(cast: Any, _obj: Any) -> dict[str, Any]:
    pool = Customer.objects.create(name="Pool customer")
    due = (timezone.now() + timedelta(days=2)).isoformat()
    return {"kind": "visit", "subject": "Visit", "customer_id": pool.pk, "due_at": due}


def _new_line(cast: Any, _obj: Any) -> dict[str, Any]:
    return {"product_id": make.product("P-API").pk, "quantity": "2"}


CASES = [
    Case("crm:product_list"),
    Case("crm:stage_list"),
    Case("crm:opportunity_list"),
    Case("crm:opportunity_create"),
    Case("crm:opportunity_detail", targets=DEALS),
    Case("crm:opportunity_edit", targets=DEALS, acts_on=OWNER_CHAIN_ACTS),
    Case(
        "crm:opportunity_move",
        method="post",
        targets=DEALS,
        data=_lost,
        ok=302,
        acts_on=OWNER_CHAIN_ACTS,
    ),
    Case("crm:opportunity_line_add", targets=DEALS, acts_on=OWNER_CHAIN_ACTS),
    Case("crm:opportunity_line_edit", targets=LINES),
    Case("crm:opportunity_line_remove", method="post", targets=LINES, ok=302),
    Case("crm:pipeline_board"),
    Case("crm:activity_list"),
    Case("crm:my_activities"),
    Case("crm:activity_create"),
    Case("crm:activity_complete", targets=ACTIVITIES, acts_on=OWNER_CHAIN_ACTS),
    Case(
        "crm:activity_cancel", method="post", targets=ACTIVITIES, ok=302, acts_on=OWNER_CHAIN_ACTS
    ),
    Case("crm:sales_import"),
    Case("crm:sales_import_template", query="kind=activities"),
    # API
    Case("api:crm_product_list"),
    Case("api:crm_stage_list"),
    Case("api:crm_opportunity_list"),
    Case("api:crm_opportunity_get", targets=DEALS, kwarg="opportunity_id"),
    Case("api:crm_opportunity_create", method="post", data=_pool_deal, ok=201),
    Case(
        "api:crm_opportunity_update",
        method="patch",
        targets=DEALS,
        kwarg="opportunity_id",
        data={"next_step": "Call the buyer"},
        acts_on=OWNER_CHAIN_ACTS,
    ),
    Case(
        "api:crm_opportunity_move",
        method="post",
        targets=DEALS,
        kwarg="opportunity_id",
        data={"stage": "lost", "lost_reason": "price"},
        acts_on=OWNER_CHAIN_ACTS,
    ),
    Case(
        "api:crm_opportunity_line_add",
        method="post",
        targets=DEALS,
        kwarg="opportunity_id",
        data=_new_line,
        ok=201,
        acts_on=OWNER_CHAIN_ACTS,
    ),
    Case(
        "api:crm_opportunity_line_remove",
        method="delete",
        targets=LINES,
        kwarg="line_id",
        ok=204,
    ),
    Case("api:crm_activity_list"),
    Case("api:crm_activity_log", method="post", data=_pool_activity, ok=201),
    Case(
        "api:crm_activity_complete",
        method="post",
        targets=ACTIVITIES,
        kwarg="activity_id",
        data={"outcome": "Reached them"},
        acts_on=OWNER_CHAIN_ACTS,
    ),
]
