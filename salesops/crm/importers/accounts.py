"""Importers of the accounts area: customers, contacts and leads from CSV or Excel.

Natural keys decide update or create, so importing the same file twice changes nothing:
customer = tax number, else normalised name; contact = customer + phone, else customer + name;
lead = phone, else email, else company + title. A matched record the importer may not see is
refused (its owner is named, nothing else), and a new customer that looks like an existing one
(same name, phone or tax number) is refused as a duplicate. Empty cells leave a field as it is;
the owner column applies to new records only (owners change by assignment).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesops.core.imports import Column, Outcome, RowError
from salesops.core.money import to_money
from salesops.crm.importers import CrmImporter, customer_writes
from salesops.crm.importers.customer_keys import CustomerKeys, Keys
from salesops.crm.models import Contact, Customer, Lead
from salesops.crm.models.choices import Source, Tier
from salesops.crm.selectors import accounts as selectors
from salesops.crm.services import accounts as services
from salesops.org.models import Territory
from salesops.org.roles import SALES_ROLES

YES = {"1", "yes", "y", "true", "x", "是", "√"}
NO = {"", "0", "no", "n", "false", "否"}


class AccountsImporter(CrmImporter):
    """Shared by the three: owners, territories, yes/no cells, within-file repeats."""

    CHOICES: dict[str, list[tuple[str, Any]]] = {}

    def label(self, key: str, value: Any) -> Any:
        """A cleaned value as shown in the preview (choices by their label)."""
        return dict(self.CHOICES.get(key, [])).get(value, value)

    def __init__(self, actor: Any) -> None:
        super().__init__(actor)
        self.seen: dict[Any, int] = {}
        self._people = {u.username.lower(): u for u in selectors.assignable_people(actor=actor)}
        self.assignable_ids = {person.pk for person in self._people.values()}
        self._territories: dict[str, Territory] = {}
        for t in Territory.objects.visible_to(actor).filter(is_active=True):
            self._territories[t.code.lower()] = self._territories[t.name.lower()] = t

    def once(self, column: str, key: Any) -> None:
        """Refuse a second row for the same record in one file."""
        if key in self.seen:
            raise RowError(column, _("The same record as row %(n)s.") % {"n": self.seen[key]})
        self.seen[key] = self.line

    def owner(self, value: str) -> Any:
        if not value.strip():
            return self.actor if self.actor.role in SALES_ROLES else None
        person = self._people.get(value.strip().lower())
        if person is None:
            raise RowError(
                "owner", _("“%(v)s” is not someone you may give records to.") % {"v": value}
            )
        return person

    def territory(self, value: str) -> Territory | None:
        if not value.strip():
            return None
        found = self._territories.get(value.strip().lower())
        if found is None:
            raise RowError("territory", _("Unknown territory “%(v)s”.") % {"v": value})
        return found

    @staticmethod
    def yes_no(column: str, value: str) -> bool:
        text = value.strip().lower()
        if text in YES or text in NO:
            return text in YES
        raise RowError(column, _("Write yes or no."))

    @staticmethod
    def email(value: str) -> str:
        try:
            validate_email(value.strip()) if value.strip() else None
        except ValidationError as exc:
            raise RowError("email", _("Enter a valid email address.")) from exc
        return value.strip()

    def refuse_hidden(self, column: str, record: Any, model: type[models.Model]) -> None:
        """A matching record the actor may not see: name its owner and stop there."""
        if not model.objects.visible_to(self.actor).filter(pk=record.pk).exists():  # type: ignore[attr-defined]
            owner = record.owner or _("Shared pool")
            raise RowError(
                column, _("It exists already and belongs to %(owner)s.") % {"owner": owner}
            )

    def save_changes(self, record: Any, fields: dict[str, Any], update: Any) -> str:
        """Update the record with the non-empty cells that differ; report what happened."""
        changes = {
            k: v for k, v in fields.items() if v not in ("", None) and getattr(record, k) != v
        }
        if not changes:
            return "unchanged"
        update(**changes)
        return "updated"


def _text(values: dict[str, str], *keys: str) -> dict[str, str]:
    return {key: values.get(key, "").strip() for key in keys}


# A customer row's plain text cells.
TEXT = ("name", "tax_number", "phone", "industry", "address")
# What a cleaned customer row carries besides field values.
NOT_FIELDS = frozenset(["existing", "owner", "keys"])


class CustomerImporter(AccountsImporter):
    columns = [
        Column("name", gettext_lazy("Name"), required=True),
        Column("tax_number", gettext_lazy("Tax number")),
        Column("phone", gettext_lazy("Phone")),
        Column("kind", gettext_lazy("Type")),
        Column("tier", gettext_lazy("Tier")),
        Column("status", gettext_lazy("Status")),
        Column("industry", gettext_lazy("Industry")),
        Column("size", gettext_lazy("Size")),
        Column("territory", gettext_lazy("Territory")),
        Column("source", gettext_lazy("Source")),
        Column("address", gettext_lazy("Address")),
        Column("owner", gettext_lazy("Owner (username)"), aliases=("owner",)),
    ]
    CHOICES = {
        "kind": Customer.Kind.choices,
        "tier": Tier.choices,
        "size": Customer.Size.choices,
        "status": Customer.Status.choices,
        "source": Source.choices,
    }

    @cached_property
    def keys(self) -> CustomerKeys:
        """Every customer's natural and duplicate keys, read once for the whole file."""
        return CustomerKeys()

    @cached_property
    def visible_ids(self) -> set[int]:
        """The customers the importer may see (read once, when a row first matches one)."""
        return set(Customer.objects.visible_to(self.actor).values_list("pk", flat=True))

    @cached_property
    def choice_columns(self) -> list[tuple[str, list[tuple[str, Any]], dict[str, str]]]:
        """Each choice column with its choices and its codes by name (worked out once)."""
        return [(key, choices, self.choice_names(key, choices))
                for key, choices in self.CHOICES.items()]  # fmt: skip

    def clean_row(self, values: dict[str, str]) -> dict[str, Any]:
        get = values.get
        data: dict[str, Any] = {key: get(key, "").strip() for key in TEXT}
        for key, choices, names in self.choice_columns:
            raw = get(key, "").strip()
            code = names.get(raw.lower()) if raw else ""
            data[key] = self.choice(key, raw, choices) if code is None else code
        data["territory"] = self.territory(get("territory", ""))
        keys = Keys.of(data["name"], data["phone"], data["tax_number"])
        self.once("name", ("tax", keys.tax) if keys.tax else ("name", keys.name))
        existing = self.keys.by_key(keys)
        if existing is not None:
            if existing not in self.visible_ids:
                owner = self.keys.describe([existing])[0].owner
                raise RowError(
                    "name", _("It exists already and belongs to %(owner)s.") % {"owner": owner}
                )
            data["existing"] = existing
            return data
        matches = self.keys.duplicates(keys)
        if matches:
            found = "; ".join(f"{m.name} ({m.owner}: {', '.join(m.reasons)})" for m in matches)
            raise RowError("name", _("Looks like an existing customer: %(n)s.") % {"n": found})
        data["owner"] = self.owner(get("owner", ""))
        data["existing"], data["keys"] = None, keys
        return data

    def save_rows(self, cleaned: list[tuple[int, dict[str, Any]]]) -> Iterator[Outcome]:
        """New customers are checked row by row in file order (a later row that looks like an
        earlier one is refused, as when each row is saved alone) and inserted together, from
        the row after the last matched one on as they are checked; matched customers are
        updated one by one through the service when a cell changed."""
        matched = [values["existing"] for _line, values in cleaned if values["existing"]]
        self._stored = Customer.objects.select_related("territory", "owner").in_bulk(matched)
        last_update = max((n for n, (_l, v) in enumerate(cleaned) if v["existing"]), default=-1)
        new = customer_writes.NewCustomers(
            actor=self.actor, assignable=self.assignable_ids, count=len(cleaned) - len(matched)
        )
        lines: list[int] = []
        with new:
            for n, (line, values) in enumerate(cleaned):
                if n > last_update:  # no query any more: the new rows go in as they come
                    new.start()
                try:
                    if values["existing"] is None:
                        new.add(self._new(new, values))
                        lines.append(line)
                        continue
                    outcome: str | ValidationError = self._update(values)
                except ValidationError as exc:
                    outcome = exc
                yield line, outcome
        yield from ((line, "created") for line in lines)

    def _new(self, new: customer_writes.NewCustomers, values: dict[str, Any]) -> dict[str, Any]:
        """A new customer checked as services.customer_create checks it (owner, fields, then
        look-alikes among all customers and the file's earlier rows)."""
        row = new.check(values, owner=values["owner"])
        keys = values["keys"]  # the keys of the cleaned text, which check() keeps as it is
        matches = self.keys.duplicates(keys)
        if matches:
            raise services.DuplicateCustomer(matches)
        self.keys.add(row["name"], keys, owner=values["owner"], untaxed=row["tax_number"] == "")
        return row

    def _update(self, cleaned: dict[str, Any]) -> str:
        """Update a matched customer with the cells that differ (through the service)."""
        data = {k: v for k, v in cleaned.items() if k not in NOT_FIELDS}
        existing = cleaned["existing"]
        customer = self._stored.pop(existing, None) or Customer.objects.get(pk=existing)
        before = Keys.of(customer.name, customer.phone, customer.tax_number)
        update = lambda **c: services.customer_update(actor=self.actor, customer=customer, **c)  # noqa: E731
        outcome = self.save_changes(customer, data, update)
        if outcome == "updated":
            after = Keys.of(customer.name, customer.phone, customer.tax_number)
            self.keys.changed(customer, before, after)
        return outcome


class ContactImporter(AccountsImporter):
    columns = [
        Column(
            "customer",
            gettext_lazy("Customer (name or tax number)"),
            required=True,
            aliases=("customer",),
        ),
        Column("name", gettext_lazy("Name"), required=True),
        Column("title", gettext_lazy("Job title")),
        Column("buying_role", gettext_lazy("Role in the decision")),
        Column("phone", gettext_lazy("Phone")),
        Column("email", gettext_lazy("Email")),
        Column("is_primary", gettext_lazy("Primary contact")),
    ]
    CHOICES = {"buying_role": Contact.BuyingRole.choices}

    def clean_row(self, values: dict[str, str]) -> dict[str, Any]:
        reference = values["customer"].strip()
        found = selectors.visible_customer_by_reference(actor=self.actor, reference=reference)
        if not found:
            raise RowError(
                "customer",
                _("No customer of yours is called or has the tax number “%(v)s”.")
                % {"v": reference},
            )
        if len(found) > 1:
            raise RowError(
                "customer",
                _("Several customers are called “%(v)s”; use the tax number.") % {"v": reference},
            )
        data: dict[str, Any] = _text(values, "name", "title", "phone")
        data["email"] = self.email(values.get("email", ""))
        role = values.get("buying_role", "").strip()
        data["buying_role"] = (
            self.choice("buying_role", role, self.CHOICES["buying_role"]) if role else ""
        )
        data["is_primary"] = self.yes_no("is_primary", values.get("is_primary", ""))
        customer = found[0]
        phone = selectors.phone_key(data["phone"])
        self.once(
            "name", (customer.pk, "phone", phone) if phone else (customer.pk, data["name"].lower())
        )
        existing = selectors.contact_by_key(
            customer=customer, phone=data["phone"], name=data["name"]
        )
        return {**data, "customer": customer, "existing": existing.pk if existing else None}

    def save_row(self, cleaned: dict[str, Any]) -> str:
        data = dict(cleaned)
        existing, customer = data.pop("existing"), data.pop("customer")
        if existing is None:
            services.contact_create(actor=self.actor, customer=customer, **data)
            return "created"
        contact = Contact.objects.select_related("customer").get(pk=existing)
        if not data["is_primary"]:
            data.pop("is_primary")  # an empty/no cell does not unmark the primary contact
        update = lambda **c: services.contact_update(actor=self.actor, contact=contact, **c)  # noqa: E731
        return self.save_changes(contact, data, update)


class LeadImporter(AccountsImporter):
    columns = [
        Column("title", gettext_lazy("Title"), required=True),
        Column("company_name", gettext_lazy("Company")),
        Column("contact_name", gettext_lazy("Contact name")),
        Column("contact_title", gettext_lazy("Contact job title")),
        Column("phone", gettext_lazy("Phone")),
        Column("email", gettext_lazy("Email")),
        Column("source", gettext_lazy("Source")),
        Column("territory", gettext_lazy("Territory")),
        Column("budget_amount", gettext_lazy("Budget")),
        Column("notes", gettext_lazy("Notes")),
        Column("owner", gettext_lazy("Owner (username)"), aliases=("owner",)),
    ]
    CHOICES = {"source": Source.choices}

    def clean_row(self, values: dict[str, str]) -> dict[str, Any]:
        data: dict[str, Any] = _text(
            values, "title", "company_name", "contact_name", "contact_title", "phone", "notes"
        )
        data["email"] = self.email(values.get("email", ""))
        source = values.get("source", "").strip()
        data["source"] = self.choice("source", source, self.CHOICES["source"]) if source else ""
        data["territory"] = self.territory(values.get("territory", ""))
        budget = values.get("budget_amount", "").strip().replace(",", "")
        try:
            data["budget_amount"] = to_money(budget) if budget else None
        except ValidationError as exc:
            raise RowError("budget_amount", " ".join(exc.messages)) from exc
        if selectors.phone_key(data["phone"]):
            self.once("phone", ("phone", selectors.phone_key(data["phone"])))
        elif data["email"]:
            self.once("email", ("email", data["email"].lower()))
        else:
            self.once("title", (data["company_name"].lower(), data["title"].lower()))
        existing = selectors.lead_by_key(
            phone=data["phone"],
            email=data["email"],
            company=data["company_name"],
            title=data["title"],
        )
        if existing is not None:
            self.refuse_hidden("title", existing, Lead)
            return {**data, "existing": existing.pk}
        return {**data, "owner": self.owner(values.get("owner", "")), "existing": None}

    def save_row(self, cleaned: dict[str, Any]) -> str:
        data = dict(cleaned)
        existing, owner = data.pop("existing"), data.pop("owner", None)
        if existing is None:
            fields = {k: v for k, v in data.items() if v not in ("", None) and k != "title"}
            services.lead_create(actor=self.actor, title=data["title"], owner=owner, **fields)
            return "created"
        lead = Lead.objects.get(pk=existing)
        update = lambda **c: services.lead_update(actor=self.actor, lead=lead, **c)  # noqa: E731
        return self.save_changes(lead, data, update)


IMPORTERS: dict[str, type[AccountsImporter]] = {
    "customers": CustomerImporter,
    "contacts": ContactImporter,
    "leads": LeadImporter,
}
