"""Creating many customers at once for an import, with the same checks, stored values and audit
entries as `services.customer_create` gives one customer, without a query (or a model object)
per row.

`NewCustomers.check` validates one customer the way the service does (the owner among the
people the importer may assign to, then every given value cleaned by its model field: choices,
lengths, validators), and `add` stores it: once `start` has been called the row goes straight
to the database (core.bulk.RowStream: PostgreSQL inserts it while the next rows are checked),
before that it waits. Closing inserts what waits and then one creation audit entry per customer,
written as `audit_record` writes it. The importer keeps look-alikes out with its in-memory keys
(customer_keys) before a customer is checked, as the service does with a query.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import Enum
from json.encoder import (  # type: ignore[attr-defined]
    encode_basestring,
    encode_basestring_ascii,
)
from types import TracebackType
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.core.bulk import RowStream, insert_rows
from salesops.core.models import AuditEntry
from salesops.crm.models import Customer

AUDIT_COLUMNS = ["at", "actor", "action", "object_type", "object_id", "object_repr", "changes",
                 "reason"]  # fmt: skip
# Fields of a new customer the database fills (the id) or the audit snapshot leaves out.
NOT_AUDITED = {"created_at", "updated_at"}
EMPTY = ("", None)  # a cell left empty: the field keeps its default


class NewCustomers:
    """The validated new customers of one import (at most `count`), in file order."""

    def __init__(self, *, actor: Any, assignable: set[int], count: int) -> None:
        self.actor, self.assignable, self.count = actor, assignable, count
        self.now = timezone.now()  # one time for the import: taken on, created, audited
        self.fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
        self.columns = [f.attname for f in self.fields]
        self.defaults = {f.attname: _plain(f.get_default()) for f in self.fields}
        self.defaults.update(created_at=self.now, updated_at=self.now)
        audited = sorted({"id", *self.columns} - NOT_AUDITED)
        self.audited = (audited[: audited.index("id")], audited[audited.index("id") + 1 :])
        self.dates = {f.attname for f in self.fields if isinstance(f, models.DateField)}
        self.cleaners = {f.name: (f.attname, _cleaner(f)) for f in self.fields}
        self.free_text = {f.attname for f in self.fields if type(f) is models.CharField
                          and not f.choices}  # fmt: skip
        self.members: dict[tuple[str, Any], str] = {}
        self.stream = RowStream(Customer, self.columns, count=count)
        # PostgreSQL stores jsonb, the same value whether a character comes as itself or as a
        # \u escape; as itself its parser has less to do. SQLite keeps the text Django writes.
        self.encode = encode_basestring if self.stream.pg else encode_basestring_ascii
        self.waiting: list[list[Any]] = []  # rows added before start()
        self.audits: list[tuple[str, str, str]] = []  # name, changes before and after the id
        self.started = False

    def check(self, values: dict[str, Any], *, owner: Any) -> dict[str, Any]:
        """The stored values of a new customer as services.customer_create would save it, or
        the ValidationError it would raise (owner first, then every field's errors). `values`
        are the cleaned cells by field name: the name is always given, another field only when
        not empty (other keys are not fields and are left out)."""
        if owner is not None and owner.pk not in self.assignable:
            raise ValidationError(
                {"owner": _("You cannot give records to %(name)s.") % {"name": owner}}
            )
        row = {**self.defaults, "owner_id": owner.pk if owner is not None else None}
        row["owned_since"] = self.now if owner is not None else None
        errors = {}
        for field, (attname, clean) in self.cleaners.items():  # in the model's order, as
            value = values.get(field)  # full_clean reports errors
            if field == "name" or value not in EMPTY:
                try:
                    row[attname] = clean(value)
                except ValidationError as exc:
                    errors[field] = exc.error_list
        if errors:
            raise ValidationError(errors)
        return row

    def add(self, row: dict[str, Any]) -> None:
        """Keep a checked customer: inserted now if started, else when started or closed."""
        values = [row[c] for c in self.columns]
        before, after = (", ".join([self._member(k, v) for k in keys if (v := row[k]) is not None])
                         for keys in self.audited)  # fmt: skip
        self.audits.append((row["name"][:200], before, after))
        if self.started:
            self.stream.write(values)
        else:
            self.waiting.append(values)

    def _member(self, key: str, value: Any) -> str:
        """One `"field": [null, value]` of a creation entry as json.dumps writes it (see
        `encode`): free text encoded on each row, anything else (choices, ids, the import's
        time) once per value."""
        if key in self.free_text:
            return f'"{key}": [null, {self.encode(value)}]'
        member = self.members.get((key, value))
        if member is None:
            shown = value.isoformat() if key in self.dates else value
            member = self.members[key, value] = f'"{key}": [null, {json.dumps(shown)}]'
        return member

    def start(self) -> None:
        """From now on each added customer goes straight to the database (no other query may
        run until the end): the ones waiting first."""
        if self.started or not self.count:
            return
        self.started = True
        self.stream.__enter__()
        for values in self.waiting:
            self.stream.write(values)
        self.waiting = []

    def __enter__(self) -> NewCustomers:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        """Insert the customers still waiting, and one creation audit entry for each."""
        if kind is None:
            self.start()
        if self.started:
            self.stream.__exit__(kind, exc, tb)
        if kind is None and self.audits:
            self._audit(self.stream.ids)

    def _audit(self, ids: list[int]) -> None:
        """The creation entries as audit_record writes them: diff({}, snapshot), i.e. [None,
        value] for every field with a value, by field name, dates as ISO text, encoded as
        Django encodes a JSON field (the id put between the fields before and after it)."""
        actor = self.actor.pk if getattr(self.actor, "pk", None) else None
        create, label = AuditEntry.Action.CREATE.value, Customer._meta.label_lower
        entries = [
            (self.now, actor, create, label, str(pk), name,
             "{" + ", ".join(p for p in (before, f'"id": [null, {pk}]', after) if p) + "}", "")
            for pk, (name, before, after) in zip(ids, self.audits, strict=True)
        ]  # fmt: skip
        insert_rows(AuditEntry, AUDIT_COLUMNS, entries, ids=False, raw=("changes",))


def _cleaner(field: Any) -> Callable[[Any], Any]:
    """How a given value of a field is cleaned: a related record by its id (the importer looked
    it up); plain text by its validators alone (all clean() would do for a non-empty value),
    within the length limit without calling them; a choice once per distinct value (the same
    few codes come on every row); anything else by the field's clean()."""
    if field.is_relation:
        return lambda value: value.pk
    if type(field) is models.CharField and not field.choices:
        limits = [
            v.limit_value
            for v in field.validators
            if isinstance(v, MaxLengthValidator) and isinstance(v.limit_value, int)
        ]
        only_length = len(limits) == len(field.validators)
        limit = min(limits, default=0)

        def text(value: Any) -> Any:
            if not value:
                return field.clean(value, None)
            if not (only_length and len(value) <= limit):
                field.run_validators(value)
            return value

        return text
    if not field.choices:
        return lambda value: field.clean(value, None)
    valid: dict[Any, Any] = {}

    def choice(value: Any) -> Any:
        if value not in valid:
            valid[value] = field.clean(value, None)
        return valid[value]

    return choice


def _plain(value: Any) -> Any:
    """A default as the plain value it is stored as (a choice's code, not the enum member)."""
    return value.value if isinstance(value, Enum) else value
