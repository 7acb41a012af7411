"""The customers' natural keys and duplicate keys held in memory for one import.

Matching a row against the database one query at a time means scanning the customer table
(normalised names, phones and tax numbers are expressions, not indexed columns) twice per row:
minutes for a large file. Instead the keys of every customer (merged ones aside) are read in
one query and each row is matched with dictionary lookups. The rules are the selectors' own —
`customer_by_key` for the natural key and `customer_duplicates` for look-alikes — and the keys
are those of `name_key`, `phone_key` and `tax_key` (the same ignored characters, the same case
folding), so an import matches exactly what the customer form and the one-row-at-a-time path
would. Customers the import creates or changes are
added as it goes, so a later row of the same file sees them as the per-row path did.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from salesops.crm.models import Customer
from salesops.crm.selectors.accounts import (
    NAME_IGNORED,
    PHONE_IGNORED,
    TAX_IGNORED,
    DuplicateMatch,
)

MAX_MATCHES = 20  # as customer_duplicates


def _any_of(chars: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("[" + re.escape("".join(chars)) + "]")


# The characters the selectors' normalisers ignore, removed in one pass.
NAME_IGNORED_RE = _any_of(NAME_IGNORED)
PHONE_IGNORED_RE = _any_of(PHONE_IGNORED)
TAX_IGNORED_RE = _any_of(TAX_IGNORED)


class Keys(NamedTuple):
    """A customer's normalised name, phone and tax number (empty when it has none)."""

    name: str
    phone: str
    tax: str

    @classmethod
    def of(cls, name: str, phone: str, tax_number: str) -> Keys:
        """The keys of selectors.name_key, phone_key and tax_key, computed with one regular
        expression each instead of a replace per ignored character (a large file computes
        them for every row and every stored customer)."""
        return cls(
            NAME_IGNORED_RE.sub("", name).lower(),
            PHONE_IGNORED_RE.sub("", phone),
            TAX_IGNORED_RE.sub("", tax_number).lower(),
        )


@dataclass(frozen=True)
class Known:
    """What a match shows of a customer: its name, owner and keys (for the reasons)."""

    pk: int
    name: str
    owner: str
    keys: Keys


class CustomerKeys:
    """Customers by normalised tax number, name and phone (ids in creation order)."""

    def __init__(self) -> None:
        self.by_tax: dict[str, list[int]] = {}
        self.by_name: dict[str, list[int]] = {}
        self.by_phone: dict[str, list[int]] = {}
        self.untaxed: set[int] = set()  # customers whose tax number is empty
        # customers new or changed in this import: name, owner, keys
        self.pending: dict[int, tuple[str, Any, Keys]] = {}
        self._next = 0
        self._load()

    def _load(self) -> None:
        """Index every stored customer: a large import reads 100,000 of them, so the keys are
        computed inline (no object per customer) and the ids, read in ascending order, are
        appended (no sorted insertion)."""
        names, phones, taxes, untaxed = self.by_name, self.by_phone, self.by_tax, self.untaxed
        name_sub, phone_sub, tax_sub = (NAME_IGNORED_RE.sub, PHONE_IGNORED_RE.sub,
                                        TAX_IGNORED_RE.sub)  # fmt: skip
        qs = Customer.objects.filter(merged_into__isnull=True).order_by("pk")
        pk = 0
        for pk, name, phone, tax in qs.values_list("pk", "name", "phone", "tax_number").iterator(
            chunk_size=10_000
        ):
            if key := name_sub("", name).lower():
                names.setdefault(key, []).append(pk)
            if key := phone_sub("", phone):
                phones.setdefault(key, []).append(pk)
            if key := tax_sub("", tax).lower():
                taxes.setdefault(key, []).append(pk)
            elif not tax:
                untaxed.add(pk)
        self._next = pk

    def _indexes(self, keys: Keys) -> tuple[tuple[dict[str, list[int]], str], ...]:
        return (self.by_name, keys.name), (self.by_phone, keys.phone), (self.by_tax, keys.tax)

    def _index(self, pk: int, keys: Keys, *, untaxed: bool) -> None:
        for index, key in self._indexes(keys):
            if key:
                ids = index.setdefault(key, [])
                if ids and ids[-1] > pk:  # a stored customer changed: keep the ids in order
                    bisect.insort(ids, pk)
                else:
                    ids.append(pk)
        if untaxed:
            self.untaxed.add(pk)

    def by_key(self, keys: Keys) -> int | None:
        """As selectors.customer_by_key: the customer with this tax number; else the first with
        this name and no tax number of its own (any tax number when none is given)."""
        if keys.tax and self.by_tax.get(keys.tax):
            return self.by_tax[keys.tax][0]
        if not keys.name:
            return None
        named = self.by_name.get(keys.name, [])
        if keys.tax:
            named = [pk for pk in named if pk in self.untaxed]
        return named[0] if named else None

    def duplicates(self, keys: Keys) -> list[DuplicateMatch]:
        """As selectors.customer_duplicates (by name, then id; at most 20), for a message: the
        name, owner and reasons of each (which ones the importer may open is not needed)."""
        found: set[int] = set()
        for index, key in self._indexes(keys):
            if key and key in index:
                found.update(index[key])
        if not found:
            return []
        known = self.describe([pk for pk in found if pk not in self.pending])
        for pk in found & self.pending.keys():
            name, owner, their_keys = self.pending[pk]
            known.append(Known(pk, name, _owner(owner), their_keys))
        known.sort(key=lambda k: (k.name, k.pk))
        return [DuplicateMatch(name=k.name, owner=k.owner, reasons=_reasons(k.keys, keys))
                for k in known[:MAX_MATCHES]]  # fmt: skip

    @staticmethod
    def describe(ids: list[int]) -> list[Known]:
        """Name, owner and keys of stored customers (one query)."""
        rows = Customer.objects.filter(pk__in=ids).select_related("owner")
        return [Known(c.pk, c.name, _owner(c.owner), Keys.of(c.name, c.phone, c.tax_number))
                for c in rows]  # fmt: skip

    def add(self, name: str, keys: Keys, *, owner: Any, untaxed: bool) -> None:
        """Index a customer this import will create (its place-holder id comes after every
        stored one, in file order, as the database will number them)."""
        self._next += 1
        self.pending[self._next] = (name, owner, keys)
        self._index(self._next, keys, untaxed=untaxed)

    def changed(self, customer: Customer, before: Keys, after: Keys) -> None:
        """A stored customer this import changed: index it under its new keys, and remember
        what a match shows of it (no query for it while new customers are being inserted)."""
        pk = customer.pk
        for index, key in self._indexes(before):
            if key and pk in index.get(key, ()):
                index[key].remove(pk)
        self.untaxed.discard(pk)
        self._index(pk, after, untaxed=customer.tax_number == "")
        self.pending[pk] = (customer.name, customer.owner, after)


def _owner(owner: Any) -> str:
    return str(owner) if owner else _("Shared pool")


def _reasons(known: Keys, wanted: Keys) -> tuple[str, ...]:
    reasons = []
    if wanted.name and known.name == wanted.name:
        reasons.append(_("same name"))
    if wanted.phone and known.phone == wanted.phone:
        reasons.append(_("same phone"))
    if wanted.tax and known.tax == wanted.tax:
        reasons.append(_("same tax number"))
    return tuple(reasons) or (_("same name"),)
