"""CRM reads of the accounts area (every read starts from the actor's visible set)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.core.money import ZERO
from salesops.core.selectors import search
from salesops.crm.models import (
    Activity,
    Contact,
    Contract,
    CrmSettings,
    Customer,
    Lead,
    Opportunity,
    Payment,
    Stage,
    TierStandard,
)
from salesops.crm.models.choices import Tier
from salesops.org.models import User
from salesops.org.roles import SALES_ROLES, Role

# Who leads: may assign and transfer records within their subtree, and merge duplicates.
LEADER_ROLES: frozenset[str] = frozenset(
    str(r) for r in (Role.SUPERVISOR, Role.MANAGER, Role.SENIOR_MANAGER, Role.DIRECTOR, Role.ADMIN)
)
OPEN_LEAD_STATUSES = (Lead.Status.NEW, Lead.Status.WORKING, Lead.Status.QUALIFIED)

# Characters ignored when comparing customer names, phone numbers and tax numbers. The same
# lists drive the database expression and the Python normaliser, so both agree.
NAME_IGNORED = (
    " ",
    "\t",
    "\u3000",
    ".",
    ",",
    "-",
    "_",
    "(",
    ")",
    "（",
    "）",
    "&",
    "'",
    '"',
    "/",
    "·",
    "、",
    "，",
    "。",
)
PHONE_IGNORED = (" ", "-", "(", ")", "+", ".", "（", "）")
TAX_IGNORED = (" ", "-")


def _strip(text: str, chars: tuple[str, ...]) -> str:
    for char in chars:
        text = text.replace(char, "")
    return text


def name_key(name: str) -> str:
    """A customer name as compared for duplicates: no spaces or punctuation, any case."""
    return _strip(name or "", NAME_IGNORED).lower()


def phone_key(phone: str) -> str:
    """A phone number as compared for duplicates: no spaces, dashes, brackets or plus."""
    return _strip(phone or "", PHONE_IGNORED)


def tax_key(tax_number: str) -> str:
    """A tax number as compared for duplicates: no spaces or dashes, any case."""
    return _strip(tax_number or "", TAX_IGNORED).lower()


def _stripped(field_name: str, chars: tuple[str, ...]) -> Any:
    expression: Any = F(field_name)
    for char in chars:
        expression = Replace(expression, Value(char), Value(""))
    return expression


@dataclass(frozen=True)
class DuplicateMatch:
    """A possible duplicate. `customer_id` is set only when the actor may see the customer;
    otherwise only its name and owner are revealed."""

    name: str
    owner: str
    reasons: tuple[str, ...]
    customer_id: int | None = None
    visible: bool = False


def _reasons(customer: Customer, name: str, phone: str, tax: str) -> tuple[str, ...]:
    reasons = []
    if name and name_key(customer.name) == name:
        reasons.append(_("same name"))
    if phone and phone_key(customer.phone) == phone:
        reasons.append(_("same phone"))
    if tax and tax_key(customer.tax_number) == tax:
        reasons.append(_("same tax number"))
    return tuple(reasons)


def customer_duplicates(
    *, actor: Any, name: str, phone: str = "", tax_number: str = "", exclude_id: int | None = None
) -> list[DuplicateMatch]:
    """Customers (among ALL, not only visible ones; merged ones aside) with the same normalised
    name, phone or tax number. Details of the ones the actor cannot see stay hidden."""
    name, phone, tax = name_key(name), phone_key(phone), tax_key(tax_number)
    cond = Q(pk__in=[])
    if name:
        cond |= Q(n_key__iexact=name)
    if phone:
        cond |= Q(p_key=phone)
    if tax:
        cond |= Q(t_key__iexact=tax)
    if not (name or phone or tax):
        return []
    found = list(
        Customer.objects.filter(merged_into__isnull=True)
        .exclude(pk=exclude_id or 0)
        .annotate(
            n_key=_stripped("name", NAME_IGNORED),
            p_key=_stripped("phone", PHONE_IGNORED),
            t_key=_stripped("tax_number", TAX_IGNORED),
        )
        .filter(cond)
        .select_related("owner")
        .order_by("name", "pk")[:20]
    )
    visible = set(
        Customer.objects.visible_to(actor)
        .filter(pk__in=[c.pk for c in found])
        .values_list("pk", flat=True)
    )
    return [
        DuplicateMatch(
            name=c.name,
            owner=str(c.owner) if c.owner else _("Shared pool"),
            reasons=_reasons(c, name, phone, tax) or (_("same name"),),
            customer_id=c.pk if c.pk in visible else None,
            visible=c.pk in visible,
        )
        for c in found
    ]


# --- natural keys (imports): matched among ALL records, the caller checks visibility ------


def customer_by_key(*, tax_number: str, name: str) -> Customer | None:
    """The customer with this tax number; else (or when none has it) the one with this
    normalised name and no tax number of its own. Merged customers aside."""
    qs = Customer.objects.filter(merged_into__isnull=True).select_related("owner").order_by("pk")
    if tax_key(tax_number):
        found = (
            qs.annotate(t_key=_stripped("tax_number", TAX_IGNORED))
            .filter(t_key__iexact=tax_key(tax_number))
            .first()
        )
        if found is not None:
            return found
        qs = qs.filter(tax_number="")
    if not name_key(name):
        return None
    return (
        qs.annotate(n_key=_stripped("name", NAME_IGNORED))
        .filter(n_key__iexact=name_key(name))
        .first()
    )


def contact_by_key(*, customer: Customer, phone: str, name: str) -> Contact | None:
    """The customer's contact with this phone, else (no phone given) with this name."""
    qs = Contact.objects.filter(customer=customer).order_by("pk")
    if phone_key(phone):
        qs = qs.annotate(p_key=_stripped("phone", PHONE_IGNORED)).filter(p_key=phone_key(phone))
        return qs.first()
    return qs.filter(name__iexact=name.strip()).first()


def lead_by_key(*, phone: str, email: str, company: str, title: str) -> Lead | None:
    """The lead with this phone, else this email, else this company and title."""
    qs = Lead.objects.select_related("owner").order_by("pk")
    if phone_key(phone):
        qs = qs.annotate(p_key=_stripped("phone", PHONE_IGNORED)).filter(p_key=phone_key(phone))
    elif email.strip():
        qs = qs.filter(email__iexact=email.strip())
    else:
        qs = qs.filter(company_name__iexact=company.strip(), title__iexact=title.strip())
    return qs.first()


def visible_customer_by_reference(*, actor: Any, reference: str) -> list[Customer]:
    """The visible customers a spreadsheet cell names: by tax number, else by name."""
    qs = customers(actor=actor).order_by("pk")
    if tax_key(reference):
        by_tax: list[Customer] = list(
            qs.annotate(t_key=_stripped("tax_number", TAX_IGNORED)).filter(
                t_key__iexact=tax_key(reference)
            )[:2]
        )
        if by_tax:
            return by_tax
    by_name = qs.annotate(n_key=_stripped("name", NAME_IGNORED))
    return list(by_name.filter(n_key__iexact=name_key(reference))[:2])


# --- customers ------------------------------------------------------------------------------


def customers(*, actor: Any) -> QuerySet[Customer]:
    """The customers the actor may see, merged ones hidden, with owner and territory."""
    return (
        Customer.objects.visible_to(actor)
        .filter(merged_into__isnull=True)
        .select_related("owner", "territory")
    )


# The customer picker offers at most this many matches (type more of the name for the rest).
PICKER_LIMIT = 20


def customer_matches(*, actor: Any, text: str, limit: int = PICKER_LIMIT) -> list[Customer]:
    """What the customer picker offers for typed text: visible customers whose name contains
    it (any case), by name, at most `limit` + 1 (the extra one tells "more match"). The filter
    is the customer list's search on the name (core.selectors.search: the name's trigram index
    on PostgreSQL, the customers' text index on SQLite). No text, no customers: an empty box
    asks the user to type."""
    text = text.strip()
    if not text:
        return []
    found = search(customers(actor=actor), ("name",), text).order_by("name", "pk")
    return list(found[: limit + 1])


def customers_for_list(*, actor: Any) -> QuerySet[Customer]:
    """Visible customers with their tier's rank (for sorting) and whether they are overdue
    for contact under their tier's standard (both computed by the database)."""
    rank = Case(
        *[When(tier=tier, then=Value(i)) for i, tier in enumerate(Tier.values)],
        output_field=IntegerField(),
    )
    overdue = Case(
        When(overdue_q(tier_standards()), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return customers(actor=actor).annotate(tier_rank=rank, is_overdue=overdue)


def merge_candidates(*, actor: Any, survivor: Customer) -> QuerySet[Customer]:
    """Visible customers that look like duplicates of this one (to merge into it)."""
    matches = customer_duplicates(
        actor=actor,
        name=survivor.name,
        phone=survivor.phone,
        tax_number=survivor.tax_number,
        exclude_id=survivor.pk,
    )
    ids = [m.customer_id for m in matches if m.visible]
    return customers(actor=actor).filter(pk__in=ids)


def tier_standards() -> dict[str, TierStandard]:
    """The service standard of each tier, by tier code (one query)."""
    return {s.tier: s for s in TierStandard.objects.all()}


def overdue_q(standards: dict[str, TierStandard], now: datetime | None = None) -> Q:
    """A filter for owned customers not contacted within their tier's standard: more whole
    days since the last contact (or, never contacted, since they were taken on) than allowed."""
    now = now or timezone.now()
    q = Q(pk__in=[])
    for tier, standard in standards.items():
        cutoff = now - timedelta(days=standard.max_days_between_contacts + 1)
        never = Q(last_contact_at__isnull=True) & (
            Q(owned_since__lte=cutoff) | Q(owned_since__isnull=True, created_at__lte=cutoff)
        )
        q |= Q(tier=tier) & (Q(last_contact_at__lte=cutoff) | never)
    return q & Q(owner__isnull=False)


def service_status(
    customer: Customer, standards: dict[str, TierStandard], now: datetime | None = None
) -> dict[str, Any]:
    """Whether the customer is within its tier's contact standard: state ("within", "overdue"
    or "never" contacted), whole days since the last contact (or since it was taken on), the
    standard's maximum, and by how many days it is overdue (0 when within)."""
    standard = standards.get(customer.tier)
    max_days = standard.max_days_between_contacts if standard else None
    since = customer.last_contact_at or customer.owned_since or customer.created_at
    days = ((now or timezone.now()) - since).days
    overdue_by = days - max_days if max_days is not None and days > max_days else 0
    state = "overdue" if overdue_by else "within"
    if customer.last_contact_at is None:
        state = "never"
    return {"state": state, "days_since": days, "max_days": max_days, "overdue_by": overdue_by}


def customer_360(*, actor: Any, customer: Customer) -> dict[str, Any]:
    """Everything about one customer the actor may see: contacts, deals, purchase history,
    activities (newest first) and its service standard status."""
    opportunities = (
        Opportunity.objects.visible_to(actor)
        .filter(customer=customer)
        .select_related("stage", "owner")
        .order_by("stage__order", "-amount")
    )
    contracts = Contract.objects.visible_to(actor).filter(customer=customer).select_related("owner")
    payments = (
        Payment.objects.visible_to(actor)
        .filter(contract__customer=customer)
        .select_related("contract")
    )
    activities = (
        Activity.objects.visible_to(actor)
        .filter(customer=customer)
        .select_related("owner", "contact")
        .annotate(when=Coalesce("done_at", "due_at", "created_at"))
        .order_by("-when", "-pk")[:50]
    )
    open_deals = opportunities.filter(stage__kind=Stage.Kind.OPEN).aggregate(
        n=Count("pk"), s=Sum("amount")
    )
    standards = tier_standards()
    return {
        "contacts": Contact.objects.visible_to(actor)
        .filter(customer=customer)
        .order_by("-is_primary", "name"),
        "opportunities": opportunities,
        "open_amount": open_deals["s"] or ZERO,
        "open_count": open_deals["n"],
        "contracts": contracts,
        "signed_amount": contracts.filter(status=Contract.Status.SIGNED).aggregate(s=Sum("amount"))[
            "s"
        ]
        or ZERO,
        "payments": payments,
        "paid_amount": payments.aggregate(s=Sum("amount"))["s"] or ZERO,
        "activities": activities,
        "service": service_status(customer, standards),
        "standard": standards.get(customer.tier),
    }


# --- leads and the pool ---------------------------------------------------------------------


def leads(*, actor: Any) -> QuerySet[Lead]:
    """The leads the actor may see, with owner and territory."""
    return Lead.objects.visible_to(actor).select_related("owner", "territory", "partner")


# What the lead list's search box and the lead picker match the typed text against.
LEAD_SEARCH = ("title", "company_name", "contact_name", "phone", "email")


def lead_matches(*, actor: Any, text: str, limit: int = PICKER_LIMIT) -> list[Lead]:
    """What the lead picker offers for typed text: visible open leads where any of the lead
    list's search fields contains it (any case), newest first (the list's default order), at
    most `limit` + 1 (the extra one tells "more match"). No text, no leads."""
    text = text.strip()
    if not text:
        return []
    found = search(leads(actor=actor), LEAD_SEARCH, text).filter(status__in=OPEN_LEAD_STATUSES)
    return list(found.order_by("-created_at", "-pk")[: limit + 1])


def leads_for_list(*, actor: Any) -> QuerySet[Lead]:
    """Visible leads with their BANT score (0–4 boxes ticked), computed by the database."""
    score: Any = Value(0)
    for name in ("budget_ok", "authority_ok", "need_ok", "timeline_ok"):
        score = score + Case(When(**{name: True}, then=Value(1)), default=Value(0))
    return leads(actor=actor).annotate(bant=ExpressionWrapper(score, output_field=IntegerField()))


def lead_activities(*, actor: Any, lead: Lead) -> QuerySet[Activity]:
    """The visible activities about a lead, newest first."""
    return (
        Activity.objects.visible_to(actor)
        .filter(lead=lead)
        .select_related("owner")
        .annotate(when=Coalesce("done_at", "due_at", "created_at"))
        .order_by("-when", "-pk")[:50]
    )


def convert_options(*, actor: Any, lead: Lead) -> list[DuplicateMatch]:
    """The visible look-alikes of a lead's company (at most 20), offered for one-click choice
    beside the customer picker of the conversion form (any other customer is searched)."""
    likely = customer_duplicates(actor=actor, name=lead.company_name, phone=lead.phone)
    return [m for m in likely if m.customer_id]


def pool_counts(*, actor: Any) -> dict[str, int]:
    """How many leads and customers lie in the pool (as the actor sees it)."""
    return {
        "leads": pool_leads(actor=actor).count(),
        "customers": pool_customers(actor=actor).count(),
    }


def pool_leads(*, actor: Any) -> QuerySet[Lead]:
    """Open leads lying in the shared pool (no owner)."""
    return leads(actor=actor).filter(owner__isnull=True, status__in=OPEN_LEAD_STATUSES)


def pool_customers(*, actor: Any) -> QuerySet[Customer]:
    """Customers lying in the shared pool (no owner), merged ones aside."""
    return customers(actor=actor).filter(owner__isnull=True)


def holdings(*, user: Any) -> dict[str, int]:
    """How many open leads and customers a person holds, against the pool's limits."""
    settings = CrmSettings.current()
    return {
        "leads": Lead.objects.filter(owner=user, status__in=OPEN_LEAD_STATUSES).count(),
        "customers": Customer.objects.filter(owner=user, merged_into__isnull=True).count(),
        "max_leads": settings.max_leads_per_rep,
        "max_customers": settings.max_customers_per_rep,
    }


# --- people ---------------------------------------------------------------------------------


def assignable_people(*, actor: Any) -> QuerySet[User]:
    """Who the actor may give a record to: a leader their subtree's sales people, an
    administrator every sales person, anyone else only themselves."""
    people = User.objects.filter(is_active=True, position__in=list(SALES_ROLES))
    if actor.role == Role.ADMIN:
        return people.order_by("username")
    if actor.role not in LEADER_ROLES:
        return people.filter(pk=actor.pk)
    return people.filter(actor.scope("sales").q("pk")).order_by("username")


def may_assign_to(*, actor: Any, person: Any) -> bool:
    """May the actor give a record to this person?"""
    return assignable_people(actor=actor).filter(pk=person.pk).exists()


def owner_choices(*, actor: Any) -> QuerySet[User]:
    """People whose records the actor may see (for owner filters on lists)."""
    people = User.objects.filter(position__in=list(SALES_ROLES))
    scope = actor.scope("sales")
    return (people if scope.everything else people.filter(scope.q("pk"))).order_by("username")
