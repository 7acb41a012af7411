"""Who sees which CRM rows: owners in the actor's sales scope, the partner's channel manager,
and (for records in the shared pool, owner empty) every sales role."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from salesops.org.roles import SALES_ROLES


def managed_partners(actor: Any) -> tuple[int, ...]:
    """Ids of the partners the actor is channel manager of, read once per actor object (per
    request) like its scopes. An id list, not a join: "owner in scope OR the partner's channel
    manager is me" across a join kept the databases from using any index on the owner."""
    if "_managed_partners" not in actor.__dict__:
        from salesops.crm.models import Partner

        mine = Partner.objects.filter(channel_manager_id=actor.pk).values_list("pk", flat=True)
        actor.__dict__["_managed_partners"] = tuple(mine)
    return actor.__dict__["_managed_partners"]  # type: ignore[no-any-return]


class CrmVisibility:
    """Owner in scope, or the record's partner is the actor's, or it lies in the shared pool."""

    def __init__(
        self,
        owner: str = "owner",
        partner: str | None = None,
        pool: bool = False,
        extra_roles: frozenset[str] = frozenset(),
    ) -> None:
        self.owner, self.partner, self.pool, self.extra_roles = owner, partner, pool, extra_roles

    def owners(self, actor: Any) -> tuple[bool, tuple[int, ...] | None]:
        """The records with an owner that `apply` keeps, as (whether they are exactly those of
        a set of owners, which owners: None for all). A channel manager also sees their
        partners' records, which no owner list gives: (False, None). Rollups kept per owner
        (targets.rollups) read by it."""
        if actor is None or not actor.is_authenticated or not actor.is_active:
            return True, ()
        if actor.role in self.extra_roles:
            return True, None
        if self.partner and managed_partners(actor):
            return False, None
        scope = actor.scope("sales")
        return True, None if scope.everything else tuple(scope.user_ids)

    def apply(self, qs: models.QuerySet, actor: Any) -> models.QuerySet:
        if actor is None or not actor.is_authenticated or not actor.is_active:
            return qs.none()
        if actor.role in self.extra_roles:
            return qs
        scope = actor.scope("sales")
        if scope.everything:
            return qs
        q = Q(pk__in=[]) if scope.empty else scope.q(self.owner)
        partners = managed_partners(actor) if self.partner else ()
        if partners:
            q |= Q(**{f"{self.partner}__in": partners})
        if self.pool and actor.role in SALES_ROLES:
            q |= Q(**{f"{self.owner}__isnull": True})
        return qs.filter(q)
