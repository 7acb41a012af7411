"""Matrix cases of the CRM contracts area: contracts, approvals, payments, hand-off, partners.

Contracts are seen by the owner's chain, finance, and (when a partner brought the deal) the
partner's channel manager; acting on them is for the owner's chain (payments: also finance),
deciding for the current approver only. Partners are seen by their channel manager and the
channel manager's leaders; changed by their channel manager or an administrator.
"""

from typing import Any

from salesops.crm.tests import test_contracts_support as make
from salesops.org.models import User
from salesops.org.roles import Role
from tests.authz.framework import OUTSIDE_CHAIN, REP_CHAIN, Case, Target

FIN = frozenset({"finance"})
CM = frozenset({"channel_manager"})
REP_SIDE = REP_CHAIN | FIN
OUT_SIDE = OUTSIDE_CHAIN | FIN
PARTNER_SIDE = REP_CHAIN | FIN | CM
CM_PARTNER_SEEN = frozenset({"channel_manager", "director", "admin"})


def _partner_deal_contract(cast: Any, status: str) -> Any:
    return make.contract(cast.rep, partner=make.partner(cast.channel_manager), status=status)


def _other_partner(cast: Any) -> Any:
    other = User.objects.create(
        username="channel_manager_2",
        position=Role.CHANNEL_MANAGER,
        unit=cast.units["channel"],
        manager=cast.director,
    )
    return make.partner(other)


TARGETS = {
    "con_rep_draft": Target(lambda cast: make.contract(cast.rep), REP_SIDE),
    "con_outside_draft": Target(lambda cast: make.contract(cast.outside_rep), OUT_SIDE),
    "con_rep_partner_draft": Target(
        lambda cast: _partner_deal_contract(cast, "draft"), PARTNER_SIDE
    ),
    "con_rep_signed": Target(lambda cast: make.contract(cast.rep, status="signed"), REP_SIDE),
    "con_outside_signed": Target(
        lambda cast: make.contract(cast.outside_rep, status="signed"), OUT_SIDE
    ),
    "con_rep_partner_signed": Target(
        lambda cast: _partner_deal_contract(cast, "signed"), PARTNER_SIDE
    ),
    # 600,000: the chain is supervisor → manager of the owner's line.
    "con_rep_pending": Target(lambda cast: make.pending(cast.rep), REP_SIDE),
    "con_outside_pending": Target(lambda cast: make.pending(cast.outside_rep), OUT_SIDE),
    "con_rep_rejected": Target(lambda cast: make.rejected(cast.rep, cast.supervisor), REP_SIDE),
    "con_outside_rejected": Target(
        lambda cast: make.rejected(cast.outside_rep, cast.other_supervisor), OUT_SIDE
    ),
    "con_cm_partner": Target(lambda cast: make.partner(cast.channel_manager), CM_PARTNER_SEEN),
    "con_other_partner": Target(_other_partner, frozenset({"director", "admin"})),
}
DRAFTS = ("con_rep_draft", "con_outside_draft", "con_rep_partner_draft")
SIGNED = ("con_rep_signed", "con_outside_signed", "con_rep_partner_signed")
PENDING = ("con_rep_pending", "con_outside_pending")
REJECTED = ("con_rep_rejected", "con_outside_rejected")
PARTNERS = ("con_cm_partner", "con_other_partner")
# The channel manager sees a partner's contract but does not act on it.
OWNER_SIDE_ONLY = {"con_rep_partner_draft": REP_CHAIN, "con_rep_partner_signed": REP_CHAIN}
PAYERS = {"con_rep_partner_signed": REP_CHAIN | FIN}
APPROVERS = {
    "con_rep_pending": frozenset({"supervisor"}),
    "con_outside_pending": frozenset({"other_supervisor"}),
}
PARTNER_MANAGERS = {"con_cm_partner": frozenset({"channel_manager", "admin"})}
PAYMENT = {"amount": "100.00", "received_on": "2024-01-10", "method": "bank_transfer"}


def _partner_payload(cast: Any, _target: Any) -> dict[str, Any]:
    return {
        "name": "New Channel Co",
        "kind": "agent",
        "channel_manager_id": cast.channel_manager.pk,
    }


CASES = [
    Case("crm:contract_list"),
    Case("crm:contract_detail", targets=(*DRAFTS, *SIGNED)),
    Case("crm:contract_edit", targets=DRAFTS, acts_on=OWNER_SIDE_ONLY, refused=403),
    Case(
        "crm:contract_submit",
        method="post",
        targets=DRAFTS,
        ok=302,
        acts_on=OWNER_SIDE_ONLY,
        refused=403,
    ),
    Case("crm:contract_reopen", method="post", targets=REJECTED, ok=302),
    Case(
        "crm:contract_approve",
        method="post",
        targets=PENDING,
        ok=302,
        acts_on=APPROVERS,
        refused=403,
    ),
    Case(
        "crm:contract_reject",
        method="post",
        targets=PENDING,
        ok=302,
        acts_on=APPROVERS,
        refused=403,
        data={"reason": "Discount too deep"},
    ),
    Case("crm:contract_hand_off", targets=SIGNED, acts_on=OWNER_SIDE_ONLY, refused=403),
    Case("crm:payment_create", targets=SIGNED, acts_on=PAYERS, refused=403),
    Case("crm:payment_list"),
    Case("crm:approval_inbox"),
    Case("crm:partner_list"),
    Case("crm:partner_detail", targets=PARTNERS),
    Case("crm:partner_create"),
    Case("crm:partner_edit", targets=PARTNERS, acts_on=PARTNER_MANAGERS, refused=403),
    Case("crm:agreement_create", targets=PARTNERS, acts_on=PARTNER_MANAGERS, refused=403),
    # API operations
    Case("api:crm_contract_list"),
    Case("api:crm_contract_get", targets=(*DRAFTS, *SIGNED), kwarg="contract_id"),
    Case(
        "api:crm_contract_submit",
        method="post",
        targets=DRAFTS,
        kwarg="contract_id",
        acts_on=OWNER_SIDE_ONLY,
        refused=403,
    ),
    Case(
        "api:crm_contract_approve",
        method="post",
        targets=PENDING,
        kwarg="contract_id",
        acts_on=APPROVERS,
        refused=403,
        data={"reason": ""},
    ),
    Case(
        "api:crm_contract_reject",
        method="post",
        targets=PENDING,
        kwarg="contract_id",
        acts_on=APPROVERS,
        refused=403,
        data={"reason": "Discount too deep"},
    ),
    Case("api:crm_contract_payment_list", targets=SIGNED, kwarg="contract_id"),
    Case(
        "api:crm_contract_payment_record",
        method="post",
        targets=SIGNED,
        kwarg="contract_id",
        ok=201,
        acts_on=PAYERS,
        refused=403,
        data=PAYMENT,
    ),
    Case("api:crm_partner_list"),
    Case("api:crm_partner_get", targets=PARTNERS, kwarg="partner_id"),
    Case("api:crm_partner_create", method="post", ok=201, data=_partner_payload),
]
