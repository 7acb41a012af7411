"""Builders shared by the accounts-area tests (no tests here).

Records are made directly: they are the given state of a test. Everything is built on the
named cast of salesops/org/testing.py. Pages are read in English, the source language.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from salesops.core.models import AuditEntry
from salesops.core.services import api_token_create
from salesops.crm.models import Contact, Customer, Lead, Partner

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Accounts tests read messages in English (the source language)."""
    with translation.override("en"):
        yield


def english_client(client: Client) -> Client:
    """A test client that asks for English pages."""
    client.cookies["django_language"] = "en"
    return client


def customer(
    owner: Any, name: str = "", days_since_contact: int | None = None, **extra: Any
) -> Customer:
    """A customer owned by `owner` (None: in the pool)."""
    last = (
        None if days_since_contact is None else timezone.now() - timedelta(days=days_since_contact)
    )
    extra.setdefault("owned_since", timezone.now() if owner else None)
    return Customer.objects.create(
        name=name or f"Customer {next(_seq)}", owner=owner, last_contact_at=last, **extra
    )


def contact(at: Customer, name: str = "", **extra: Any) -> Contact:
    return Contact.objects.create(customer=at, name=name or f"Contact {next(_seq)}", **extra)


def lead(owner: Any, title: str = "", **extra: Any) -> Lead:
    """A lead owned by `owner` (None: in the pool)."""
    extra.setdefault("claimed_at", timezone.now() if owner else None)
    return Lead.objects.create(title=title or f"Lead {next(_seq)}", owner=owner, **extra)


def qualified(owner: Any, **extra: Any) -> Lead:
    """A lead with all four BANT boxes ticked."""
    return lead(
        owner,
        status=Lead.Status.QUALIFIED,
        budget_ok=True,
        authority_ok=True,
        need_ok=True,
        timeline_ok=True,
        **extra,
    )


def partner(channel_manager: Any) -> Partner:
    return Partner.objects.create(
        name=f"Partner {next(_seq)}", kind=Partner.Kind.AGENT, channel_manager=channel_manager
    )


def audits(obj: Any) -> list[AuditEntry]:
    """The audit entries of one object, oldest first."""
    return list(
        AuditEntry.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("id")
    )


def api(user: Any) -> tuple[Client, dict[str, str]]:
    """A client and the headers that authenticate it with a fresh API token of the user."""
    _token, secret = api_token_create(actor=user, name="tests")
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def send(client: Client, method: str, url: str, data: Any, headers: dict[str, str]) -> Any:
    """A JSON request (post or patch) with the given headers."""
    body = json.dumps(data)
    return getattr(client, method)(url, data=body, content_type="application/json", **headers)
