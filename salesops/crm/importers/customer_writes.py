"""Creating many customers at once for an import, with the same checks, stored values and audit
entries as `services.customer_create` gives one customer, without a query (or a model object)
per row.

`NewCustomers.check` validates one customer the way the service does (the owner among the
people the importer may assign to, then every given value cleaned by its model field: choices,
lengths, validators), and `save` inserts all of them in multi-row statements and writes one
creation audit entry per customer the same way. The importer keeps look-alikes out with its
in-memory keys (customer_keys) before a customer is checked, as the service does with a query.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.core.imports import insert_rows
from salesops.core.models import AuditEntry
from salesops.crm.models import Customer

AUDIT_COLUMNS = ["at", "actor", "action", "object_type", "object_id", "object_repr", "changes",
                 "reason"]  # fmt: skip
# Fields of a new customer the database fills (the id) or the audit snapshot leaves out.
NOT_AUDITED = {"created_at", "updated_at"}


class NewCustomers:
    """The validated new customers of one import, in file order, until they are saved."""

    def __init__(self, *, actor: Any, assignable: set[int]) -> None:
        self.actor, self.assignable = actor, assignable
        self.now = timezone.now()  # one time for the import: taken on, created, audited
        self.fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
        self.defaults = {f.attname: _plain(f.get_default()) for f in self.fields}
        self.defaults.update(created_at=self.now, updated_at=self.now)
        self.audited = sorted({"id", *(f.attname for f in self.fields)} - NOT_AUDITED)
        self.dates = {f.attname for f in self.fields if isinstance(f, models.DateField)}
        self.rows: list[dict[str, Any]] = []
        self.valid_choices: dict[tuple[str, Any], Any] = {}
        self.plain_text = {
            f.name for f in self.fields if type(f) is models.CharField and not f.choices
        }

    def check(self, *, name: str, owner: Any, **values: Any) -> dict[str, Any]:
        """The stored values of a new customer as services.customer_create would save it, or
        the ValidationError it would raise (owner first, then every field's errors)."""
        if owner is not None and owner.pk not in self.assignable:
            raise ValidationError(
                {"owner": _("You cannot give records to %(name)s.") % {"name": owner}}
            )
        row = {**self.defaults, "owner_id": owner.pk if owner is not None else None}
        row["owned_since"] = self.now if owner is not None else None
        given, errors = {"name": name, **values}, {}
        for field in self.fields:  # in the model's order, as full_clean reports errors
            if field.name in given:
                try:
                    row[field.attname] = self._clean(field, given[field.name])
                except ValidationError as exc:
                    errors[field.name] = exc.error_list
        if errors:
            raise ValidationError(errors)
        return row

    def _clean(self, field: Any, value: Any) -> Any:
        """A value cleaned by its field (a choice once per distinct value: the same few codes
        come on every row; a related record by its id: the importer looked it up)."""
        if field.is_relation:
            return value.pk
        if field.name in self.plain_text and value:  # clean() would only run the validators
            field.run_validators(value)
            return value
        if not field.choices:
            return field.clean(value, None)
        if (field.name, value) not in self.valid_choices:
            self.valid_choices[field.name, value] = field.clean(value, None)
        return self.valid_choices[field.name, value]

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)

    def save(self) -> None:
        """Insert the customers and one creation audit entry for each."""
        now, columns = self.now, [f.attname for f in self.fields]
        ids = insert_rows(Customer, columns, [[row[c] for c in columns] for row in self.rows])
        actor = self.actor.pk if getattr(self.actor, "pk", None) else None
        label = Customer._meta.label_lower
        entries = [
            (now, actor, AuditEntry.Action.CREATE.value, label, str(pk), row["name"][:200],
             self._created(pk, row), "")
            for pk, row in zip(ids, self.rows, strict=True)
        ]  # fmt: skip
        insert_rows(AuditEntry, AUDIT_COLUMNS, entries)

    def _created(self, pk: int, row: dict[str, Any]) -> dict[str, list[Any]]:
        """The changes of a creation entry as audit_record writes them: diff({}, snapshot),
        i.e. [None, value] for every field with a value, by field name, dates as ISO text."""
        values = {**row, "id": pk}
        return {
            k: [None, values[k].isoformat() if k in self.dates else values[k]]
            for k in self.audited
            if values[k] is not None
        }


def _plain(value: Any) -> Any:
    """A default as the plain value it is stored as (a choice's code, not the enum member)."""
    return value.value if isinstance(value, Enum) else value
