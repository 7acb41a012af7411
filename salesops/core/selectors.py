"""Core reads: text search over fields, the audit log and the actor's tokens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

from salesops.core.models import ApiToken, AuditEntry


def search(qs: QuerySet, fields: Sequence[str], text: str) -> QuerySet:
    """The rows where any of `fields` contains `text` (any case); all rows without text (the
    lists' search box and the pickers). A model's `text_index` (core.textindex) narrows the
    rows first where it can."""
    if not text or not fields:
        return qs
    index = getattr(qs.model, "text_index", None)
    if index is not None:
        qs = index.narrow(qs, fields, text)
    q = Q()
    for name in fields:
        q |= Q(**{f"{name}__icontains": text})
    return qs.filter(q)


def audit_entries(*, actor: Any, object_type: str = "", actor_id: int | None = None) -> QuerySet:
    """Audit entries the actor may read (administrators), newest first, optionally filtered."""
    qs = AuditEntry.objects.visible_to(actor).select_related("actor")
    if object_type:
        qs = qs.filter(object_type=object_type)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    return qs


def api_tokens(*, actor: Any) -> QuerySet:
    """The actor's own API tokens."""
    return ApiToken.objects.filter(user=actor)
