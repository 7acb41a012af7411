"""Route policy and menu entries of the CRM contracts area, and who may act on a contract or
partner beyond seeing it (the visibility rules decide who sees)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from salesops.core.nav import NavItem
from salesops.core.policy import Access, roles
from salesops.org.roles import SALES_ROLES, Role

SALES = frozenset([*SALES_ROLES, Role.ADMIN])
# Finance sees contracts and payments (collected revenue), no other sales data.
CONTRACT_READERS = SALES | {Role.FINANCE}
CONTRACT_WRITERS = SALES
PAYMENT_WRITERS = SALES | {Role.FINANCE}
PARTNER_WRITERS = roles(Role.CHANNEL_MANAGER, Role.ADMIN)

ROUTES: dict[str, Access] = {
    "crm:contract_list": Access(CONTRACT_READERS),
    "crm:contract_detail": Access(CONTRACT_READERS, obj="contract"),
    "crm:contract_edit": Access(CONTRACT_WRITERS, obj="contract", writes=True),
    "crm:contract_submit": Access(CONTRACT_WRITERS, obj="contract", writes=True),
    "crm:contract_reopen": Access(CONTRACT_WRITERS, obj="contract", writes=True),
    "crm:contract_approve": Access(CONTRACT_WRITERS, obj="contract", writes=True),
    "crm:contract_reject": Access(CONTRACT_WRITERS, obj="contract", writes=True),
    "crm:contract_hand_off": Access(CONTRACT_WRITERS, obj="contract", writes=True),
    "crm:payment_create": Access(PAYMENT_WRITERS, obj="contract", writes=True),
    "crm:payment_list": Access(CONTRACT_READERS),
    "crm:approval_inbox": Access(SALES),
    "crm:partner_list": Access(SALES),
    "crm:partner_detail": Access(SALES, obj="partner"),
    "crm:partner_create": Access(PARTNER_WRITERS, writes=True),
    "crm:partner_edit": Access(PARTNER_WRITERS, obj="partner", writes=True),
    "crm:agreement_create": Access(PARTNER_WRITERS, obj="partner", writes=True),
    # API operations
    "api:crm_contract_list": Access(CONTRACT_READERS),
    "api:crm_contract_get": Access(CONTRACT_READERS, obj="contract"),
    "api:crm_contract_submit": Access(CONTRACT_WRITERS, obj="contract", writes=True),
    "api:crm_contract_approve": Access(CONTRACT_WRITERS, obj="contract", writes=True),
    "api:crm_contract_reject": Access(CONTRACT_WRITERS, obj="contract", writes=True),
    "api:crm_contract_payment_list": Access(CONTRACT_READERS, obj="contract"),
    "api:crm_contract_payment_record": Access(PAYMENT_WRITERS, obj="contract", writes=True),
    "api:crm_partner_list": Access(SALES),
    "api:crm_partner_get": Access(SALES, obj="partner"),
    "api:crm_partner_create": Access(PARTNER_WRITERS, writes=True),
}

NAV: list[NavItem] = [
    NavItem(_("Contracts"), "crm:contract_list", "file-certificate", 300),
    NavItem(_("Approvals"), "crm:approval_inbox", "checklist", 310),
    NavItem(_("Payments"), "crm:payment_list", "cash", 320),
    NavItem(_("Partners"), "crm:partner_list", "building-store", 330),
]


def in_owner_line(actor: Any, owner_id: int | None) -> bool:
    """Is the actor the owner, or one of the owner's leaders (or an administrator)?"""
    from salesops.org.models import User

    if actor is None or not actor.is_authenticated or not actor.is_active or owner_id is None:
        return False
    if actor.pk == owner_id:
        return True
    scope = actor.scope("sales")
    if scope.everything:
        return True
    if scope.empty:
        return False
    return User.objects.filter(pk=owner_id).filter(scope.q("pk")).exists()


def can_manage_contract(actor: Any, contract: Any) -> bool:
    """May the actor edit, submit, reopen or hand off this contract (owner side, admin)?"""
    return in_owner_line(actor, contract.owner_id)


def can_record_payment(actor: Any, contract: Any) -> bool:
    """May the actor record money received: the owner, their leaders, finance, admin."""
    if actor is not None and getattr(actor, "role", None) == Role.FINANCE and actor.is_active:
        return True
    return in_owner_line(actor, contract.owner_id)


def can_manage_partner(actor: Any, partner: Any) -> bool:
    """May the actor change a partner: its own channel manager, or an administrator."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    return bool(actor.role == Role.ADMIN or partner.channel_manager_id == actor.pk)
