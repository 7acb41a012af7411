"""Row-level visibility, applied centrally.

Every model that people read declares a `visibility` rule and uses `VisibleQuerySet`; reads
start from `Model.objects.visible_to(actor)`. A model with no rule shows nothing, so a missing
check hides rows instead of exposing them. `get_visible_or_404` answers "missing" and "not
yours" with the same 404.

Scopes come from the actor (`actor.scope(domain)`, computed by the org app): for a domain such
as "sales" or "people" it says whether the actor sees everything or which user ids' records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from django.db import models
from django.db.models import Q
from django.http import Http404


@dataclass(frozen=True)
class Scope:
    """What one actor may see in one domain: everything, or the records of these users."""

    everything: bool = False
    user_ids: tuple[int, ...] = ()

    def q(self, owner_field: str) -> Q:
        """A filter keeping rows whose owner field is in this scope."""
        if self.everything:
            return Q()
        return Q(**{f"{owner_field}__in": self.user_ids})

    @property
    def empty(self) -> bool:
        return not self.everything and not self.user_ids


NOTHING = Scope()
EVERYTHING = Scope(everything=True)


class Rule(Protocol):
    def apply(self, qs: models.QuerySet, actor: Any) -> models.QuerySet: ...


def _active(actor: Any) -> bool:
    return bool(actor is not None and actor.is_authenticated and actor.is_active)


class OwnedBy:
    """Rows are visible when their owner is in the actor's scope for the domain."""

    def __init__(self, field: str = "owner", domain: str = "sales") -> None:
        self.field = field
        self.domain = domain

    def apply(self, qs: models.QuerySet, actor: Any) -> models.QuerySet:
        if not _active(actor):
            return qs.none()
        scope = actor.scope(self.domain)
        if scope.everything:
            return qs
        if scope.empty:
            return qs.none()
        return qs.filter(scope.q(self.field))


class RoleOnly:
    """Rows are visible, all of them, to actors of the given roles only."""

    def __init__(self, *roles: str) -> None:
        self.roles = frozenset(roles)

    def apply(self, qs: models.QuerySet, actor: Any) -> models.QuerySet:
        if _active(actor) and actor.role in self.roles:
            return qs
        return qs.none()


class VisibleQuerySet(models.QuerySet):
    """A queryset that knows its model's visibility rule."""

    def visible_to(self, actor: Any) -> VisibleQuerySet:
        """The rows this actor may see (none if the model declares no rule)."""
        rule: Rule | None = getattr(self.model, "visibility", None)
        if rule is None:
            return self.none()
        return rule.apply(self, actor)  # type: ignore[return-value]


def get_visible_or_404(source: Any, actor: Any, **lookup: Any) -> Any:
    """One visible object, or Http404 whether it is missing or not the actor's to see."""
    qs = source if isinstance(source, models.QuerySet) else source.objects.all()
    if not isinstance(qs, VisibleQuerySet):
        raise TypeError(f"{qs.model.__name__} has no visibility rule")
    try:
        return qs.visible_to(actor).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
