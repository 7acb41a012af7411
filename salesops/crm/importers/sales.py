"""Importers of the sales area: opportunities (key: customer + name) and activities (key:
owner + type + subject + day). Rows are cleaned against what the importing person may see and
saved through the sales services, so a re-run updates instead of duplicating."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as L

from salesops.core.imports import Column, RowError
from salesops.crm.importers import CrmImporter
from salesops.crm.models import Activity, Opportunity, Stage
from salesops.crm.models.choices import Source
from salesops.crm.selectors import sales as selectors
from salesops.crm.services import sales as services
from salesops.org.models import ProductLine

TRUE = {"1", "y", "yes", "true", "x", "是", "对", "√"}
FALSE = {"", "0", "n", "no", "false", "否", "不"}


def flag(column: str, value: str) -> bool:
    """A yes/no cell."""
    text = value.strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise RowError(column, _("Write yes or no."))


def day(column: str, value: str) -> date | None:
    """A date cell (YYYY-MM-DD; a time part is ignored)."""
    text = value.strip().replace("/", "-")
    if not text:
        return None
    parsed = parse_date(text[:10])
    if parsed is None:
        raise RowError(column, _("Write the date as YYYY-MM-DD."))
    return parsed


def moment(column: str, value: str) -> datetime | None:
    """A date-time cell (YYYY-MM-DD HH:MM, or a date meaning 09:00), in the company time."""
    text = value.strip().replace("/", "-")
    if not text:
        return None
    try:
        parsed = parse_datetime(text)
    except ValueError:
        parsed = None
    if parsed is None:
        only = day(column, text)
        parsed = datetime.combine(only, time(9, 0)) if only else None
    if parsed is None:
        raise RowError(column, _("Write the time as YYYY-MM-DD HH:MM."))
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def money(column: str, value: str) -> Decimal | None:
    """An amount cell (thousands separators allowed)."""
    text = value.strip().replace(",", "").replace("¥", "").replace("￥", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise RowError(column, _("Enter a valid amount.")) from exc
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise RowError(column, _("Enter an amount of at least 0 with at most two decimals."))
    return amount.quantize(Decimal("0.01"))


class SalesImporter(CrmImporter):
    """Shared lookups: people of the team, customers; choices by code or label."""

    example: list[str] = []

    def pick(
        self, column: str, value: str, choices: Sequence[tuple[Any, Any]], default: str = ""
    ) -> str:
        """A choice cell (code or label in any language); empty gives the default."""
        if not value.strip():
            return default
        return self.choice(column, value, [(str(code), label) for code, label in choices])

    def person(self, column: str, username: str) -> Any:
        if not username.strip():
            return self.actor
        found = selectors.team_members(actor=self.actor).filter(username=username.strip()).first()
        if found is None:
            raise RowError(
                column, _("No one in your team has the username “%(u)s”.") % {"u": username}
            )
        return found

    def customer(self, column: str, name: str) -> Any:
        matches = list(selectors.customers(actor=self.actor).filter(name__iexact=name.strip())[:2])
        if not matches:
            raise RowError(column, _("No customer of yours is called “%(n)s”.") % {"n": name})
        if len(matches) > 1:
            raise RowError(column, _("Several customers are called “%(n)s”.") % {"n": name})
        return matches[0]


class OpportunityImporter(SalesImporter):
    columns = [
        Column("customer", L("Customer"), required=True, aliases=("客户",)),
        Column("name", L("Opportunity"), required=True, aliases=("name", "商机")),
        Column("owner", L("Owner (username)"), aliases=("owner",)),
        Column("stage", L("Stage"), aliases=("阶段",)),
        Column("expected_close", L("Expected close date"), aliases=("expected close",)),
        Column("amount", L("Estimated amount"), aliases=("amount", "金额")),
        Column("source", L("Source")),
        Column("product_line", L("Product line")),
        Column("next_step", L("Next step")),
        Column("need_confirmed", L("Need confirmed")),
        Column("forecast_category", L("Forecast category")),
        Column("competitors", L("Competitors")),
        Column("lost_reason", L("Lost reason")),
    ]
    example = [
        "Acme Ltd",
        "Acme ERP rollout",
        "",
        "lead",
        "2026-12-31",
        "120000.00",
        "referral",
        "",
        "Send the proposal",
        "no",
        "pipeline",
        "",
        "",
    ]

    def clean_row(self, values: dict[str, str]) -> dict[str, Any]:
        get = values.get
        data: dict[str, Any] = {
            "customer": self.customer("customer", get("customer", "")),
            "name": get("name", "").strip(),
            "owner": self.person("owner", get("owner", "")),
            "expected_close": day("expected_close", get("expected_close", "")),
            "amount": money("amount", get("amount", "")),
            "source": self.pick("source", get("source", ""), Source.choices),
            "next_step": get("next_step", "").strip(),
            "need_confirmed": flag("need_confirmed", get("need_confirmed", "")),
            "forecast_category": self.pick(
                "forecast_category",
                get("forecast_category", ""),
                Opportunity.Forecast.choices,
                "pipeline",
            ),
            "competitors": get("competitors", "").strip(),
            "lost_reason": self.pick(
                "lost_reason", get("lost_reason", ""), Opportunity.LostReason.choices
            ),
            "stage": self.stage(get("stage", "")),
            "product_line": self.product_line(get("product_line", "")),
        }
        return data

    def stage(self, text: str) -> Stage | None:
        if not text.strip():
            return None
        found = (
            Stage.objects.visible_to(self.actor)
            .filter(Q(code__iexact=text.strip()) | Q(name__iexact=text.strip()), is_active=True)
            .first()
        )
        if found is None:
            raise RowError("stage", _("No stage is called “%(s)s”.") % {"s": text})
        return found

    def product_line(self, text: str) -> Any:
        if not text.strip():
            return None
        found = (
            ProductLine.objects.visible_to(self.actor)
            .filter(Q(code__iexact=text.strip()) | Q(name__iexact=text.strip()))
            .first()
        )
        if found is None:
            raise RowError("product_line", _("No product line is called “%(s)s”.") % {"s": text})
        return found

    def save_row(self, cleaned: dict[str, Any]) -> str:
        data = dict(cleaned)
        stage, lost_reason = data.pop("stage"), data.pop("lost_reason")
        customer, name = data.pop("customer"), data.pop("name")
        existing = (
            selectors.editable_opportunities(actor=self.actor)
            .filter(customer=customer, name__iexact=name)
            .first()
        )
        if existing is None:
            deal = services.opportunity_create(
                actor=self.actor,
                customer=customer,
                name=name,
                owner=data.pop("owner"),
                amount=data.pop("amount"),
            )
            services.opportunity_update(actor=self.actor, opportunity=deal, **data)
            outcome = "created"
        else:
            deal = existing
            if data["amount"] is None:
                data.pop("amount")
            changes = {k: v for k, v in data.items() if getattr(deal, k) != v}
            if changes:
                services.opportunity_update(actor=self.actor, opportunity=deal, **changes)
            outcome = "updated" if changes else "unchanged"
        if stage is not None and stage.pk != deal.stage_id:
            services.opportunity_move_stage(
                actor=self.actor, opportunity=deal, stage=stage, lost_reason=lost_reason
            )
            outcome = "updated" if outcome == "unchanged" else outcome
        return outcome


class ActivityImporter(SalesImporter):
    columns = [
        Column("owner", L("Owner (username)"), aliases=("owner",)),
        Column("kind", L("Type"), required=True, aliases=("kind", "类型")),
        Column("subject", L("Subject"), required=True, aliases=("主题",)),
        Column("when", L("Date and time"), required=True, aliases=("date", "when", "日期")),
        Column("status", L("Status")),
        Column("customer", L("Customer"), aliases=("客户",)),
        Column("opportunity", L("Opportunity")),
        Column("contact", L("Contact")),
        Column("outcome", L("Outcome")),
        Column("next_step", L("Next step")),
    ]
    example = [
        "",
        "visit",
        "Kick-off meeting",
        "2026-03-02 10:00",
        "done",
        "Acme Ltd",
        "",
        "",
        "Agreed on the scope",
        "Send the proposal",
    ]
    STATUSES = [
        (str(Activity.Status.PLANNED), Activity.Status.PLANNED.label),
        (str(Activity.Status.DONE), Activity.Status.DONE.label),
    ]

    def clean_row(self, values: dict[str, str]) -> dict[str, Any]:
        get = values.get
        when = moment("when", get("when", ""))
        assert when is not None  # a required column
        default = "done" if when <= timezone.now() else "planned"
        data = {
            "owner": self.person("owner", get("owner", "")),
            "kind": self.pick("kind", get("kind", ""), Activity.Kind.choices),
            "subject": get("subject", "").strip(),
            "when": when,
            "status": self.pick("status", get("status", ""), self.STATUSES, default),
            "customer": None,
            "opportunity": None,
            "contact": None,
            "outcome": get("outcome", "").strip(),
            "next_step": get("next_step", "").strip(),
        }
        if get("customer", "").strip():
            data["customer"] = self.customer("customer", get("customer", ""))
        self.links(data, get("opportunity", "").strip(), get("contact", "").strip())
        return data

    def links(self, data: dict[str, Any], deal: str, contact: str) -> None:
        customer = data["customer"]
        if (deal or contact) and customer is None:
            raise RowError("customer", _("Name the customer of the opportunity or contact."))
        if deal:
            data["opportunity"] = (
                selectors.opportunities(actor=self.actor)
                .filter(customer=customer, name__iexact=deal)
                .first()
            )
            if data["opportunity"] is None:
                raise RowError("opportunity", _("This customer has no such opportunity."))
        if contact:
            found = selectors.contacts_of(actor=self.actor, customer_id=customer.pk)
            data["contact"] = found.filter(name__iexact=contact).first()
            if data["contact"] is None:
                raise RowError("contact", _("This customer has no such contact."))

    def save_row(self, cleaned: dict[str, Any]) -> str:
        data = dict(cleaned)
        when, status = data.pop("when"), data.pop("status")
        local_day = timezone.localtime(when).date()
        existing = (
            selectors.editable_activities(actor=self.actor)
            .filter(owner=data["owner"], kind=data["kind"], subject=data["subject"])
            .filter(Q(done_at__date=local_day) | Q(done_at__isnull=True, due_at__date=local_day))
            .first()
        )
        if existing is None:
            times = {"done_at": when} if status == "done" else {"due_at": when}
            services.activity_log(actor=self.actor, **data, **times)
            return "created"
        if existing.status == Activity.Status.PLANNED and status == "done":
            services.activity_complete(
                actor=self.actor,
                activity=existing,
                done_at=when,
                outcome=data["outcome"],
                next_step=data["next_step"],
            )
            return "updated"
        changes = {k: data[k] for k in ("outcome", "next_step") if getattr(existing, k) != data[k]}
        if not changes:
            return "unchanged"
        services.activity_update(actor=self.actor, activity=existing, **changes)
        return "updated"


IMPORTERS: dict[str, type[SalesImporter]] = {
    "opportunities": OpportunityImporter,
    "activities": ActivityImporter,
}
