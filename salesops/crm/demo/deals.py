"""The demo CRM history, part one: products, partners, customers and contacts, and deals
moving through the funnel with consistent stage histories (generated in memory)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from salesops.core.demo import DemoContext
from salesops.crm import models as m
from salesops.crm.demo.data import (
    CITIES,
    DAYS,
    DEAL_SIZE,
    DEALS_PER,
    FUNNEL,
    LOSE_AT,
    LOST,
    PRODUCTS,
    ROLES,
    SOURCES,
    TEXT,
    TIERS,
    _pick,
)  # fmt: skip
from salesops.crm.services.contracts import line_total
from salesops.org.demo import person_name
from salesops.org.models import ProductLine, Territory, User
from salesops.org.roles import Role


@dataclass
class Deal:
    """A deal being generated: its row, its stays (stage code, entered) and its lines."""

    opp: m.Opportunity
    stays: list[tuple[str, datetime]]
    lines: list[m.OpportunityLine] = field(default_factory=list)


class Deals:
    """Generates customers and deals in memory, from one random stream."""

    def __init__(self, ctx: DemoContext) -> None:
        self.ctx, self.rng = ctx, ctx.rng
        self.tz = timezone.get_current_timezone()
        self.today = ctx.today
        self.now = datetime.combine(ctx.today, time(18, 0), self.tz)
        self.stages = {s.code: s for s in m.Stage.objects.all()}
        self.by_role: dict[str, list[User]] = defaultdict(list)
        self.team: dict[int | None, list[User]] = defaultdict(list)
        for person in (
            User.objects.filter(is_active=True).select_related("unit__territory").order_by("pk")
        ):
            self.by_role[person.position].append(person)
            if person.position in (Role.REP, Role.SUPERVISOR):
                self.team[person.unit_id].append(person)
        self.territories = list(Territory.objects.order_by("code"))
        self.rules = list(m.ApprovalRule.objects.filter(is_active=True).order_by("pk"))
        self.chains: dict[tuple[int, str], list[User]] = {}
        self.customers: list[m.Customer] = []
        self.short: dict[int, str] = {}
        self.contacts: dict[int, list[m.Contact]] = {}
        self.deals: list[Deal] = []
        self.activities: list[m.Activity] = []
        self.coached: list[tuple[m.Activity, int]] = []
        self.rows: dict[str, list[Any]] = {"lines": [], "steps": [], "payments": []}

    def word(self, key: str) -> str:
        """One random entry of a text list, in the demo's language."""
        return str(self.rng.choice(self.words(key)))

    def words(self, key: str) -> list[str]:
        return TEXT[key][0 if self.ctx.chinese else 1].split("|")

    def n(self, full: int, least: int = 1) -> int:
        return max(least, round(full * self.ctx.scale))

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def on(self, day: date) -> datetime:
        """A working-hours moment of a day."""
        minute = self.rng.randint(9 * 60, 18 * 60 - 1)
        return datetime.combine(day, time(minute // 60, minute % 60), self.tz)

    def phone(self, mobile: bool = False) -> str:
        if mobile:
            return f"1{self.rng.randint(30, 89)}{self.rng.randint(1000_0000, 9999_9999)}"
        return f"0{self.rng.randint(10, 99)}-{self.rng.randint(5000_0000, 8999_9999)}"

    # --- reference records --------------------------------------------------------------------

    def products(self) -> None:
        lines = {pl.code: pl for pl in ProductLine.objects.all()}
        made = []
        for code, line, price, zh, en in PRODUCTS:
            if line in lines:
                name, unit = (zh if self.ctx.chinese else en).split("/")
                made.append(m.Product(code=code, name=name, unit=unit, product_line=lines[line],
                                      list_price=Decimal(price)))  # fmt: skip
        self.catalogue: dict[str, list[m.Product]] = defaultdict(list)
        for product in m.Product.objects.bulk_create(made):
            self.catalogue[product.product_line.code].append(product)
        self.product_lines = lines

    def city(self, territory: Territory | None) -> str:
        """A city of the territory (any city when it has none of ours)."""
        code = territory.code if territory and territory.code in CITIES else ""
        texts = [CITIES[code]] if code else list(CITIES.values())
        lang = 0 if self.ctx.chinese else 1
        return str(self.rng.choice("|".join(t[lang] for t in texts).split("|")))

    def company(self, taken: set[str], territory: Territory | None) -> tuple[str, str, str]:
        """A company name (城市+字号+行业+有限公司), its industry and its short name."""
        for attempt in range(20):
            brand, (trade, industry) = self.word("brand"), self.word("trade").split("/")
            city, suffix = self.city(territory), self.word("suffix")
            short = f"{brand}{trade}" if self.ctx.chinese else f"{brand} {trade}"
            name = f"{city}{short}{suffix}" if self.ctx.chinese else f"{city} {short} {suffix}"
            if attempt == 19:
                name = f"{name} {len(taken)}"
            if name not in taken:
                taken.add(name)
                return name, industry, short
        raise AssertionError("unreachable")

    def partners(self) -> None:
        managers = self.by_role[Role.CHANNEL_MANAGER]
        territories = self.territories
        self.partner_list: list[m.Partner] = []
        taken: set[str] = set()
        for i in range(max(3, round(8 * min(1.0, self.ctx.scale) ** 0.5)) if managers else 0):
            kind = ("distributor", "agent", "reseller")[i % 3]
            sep, name = "" if self.ctx.chinese else " ", ""
            while not name or name in taken:
                city = self.city(territories[i % len(territories)] if territories else None)
                name = sep.join((city, self.word("brand"), self.words("channel")[i % 3]))
            taken.add(name)
            created = self.ago(self.rng.randint(400, 900))
            self.partner_list.append(m.Partner(
                name=name, kind=kind,
                level=("gold", "gold", "silver", "silver", "silver")[i] if i < 5 else "bronze",
                territory=territories[i % len(territories)] if territories else None,
                channel_manager=managers[i % len(managers)], contact_name=person_name(self.ctx),
                phone=self.phone(), created_at=created, updated_at=created,
            ))  # fmt: skip
        m.Partner.objects.bulk_create(self.partner_list)
        m.PartnerAgreement.objects.bulk_create(
            m.PartnerAgreement(
                partner=p, number=f"QD-{year}-{p.pk:04d}", starts_on=date(year, 1, 1),
                ends_on=date(year, 12, 31), rebate_pct=Decimal(2 + i % 6), terms=self.word("terms"),
            )
            for i, p in enumerate(self.partner_list)
            for year in (self.today.year - 1, self.today.year)
        )  # fmt: skip

    # --- customers ----------------------------------------------------------------------------

    def customer_rows(self) -> None:
        reps, sups = self.by_role[Role.REP], self.by_role[Role.SUPERVISOR]
        taken: set[str] = set()
        sizes = {"strategic": "huge", "key": "large", "core": "medium", "general": "small"}
        for tier in self.rng.choices(list(TIERS), list(TIERS.values()), k=self.n(1500, 20)):
            owner = None if tier == "general" and self.rng.random() < 0.1 else self.rng.choice(reps)
            if tier == "strategic" and self.rng.random() < 0.4:
                owner = self.rng.choice(sups)
            territory = (owner.territory or owner.unit.territory) if owner else None
            territory = territory or self.rng.choice(self.territories)
            name, industry, short = self.company(taken, territory)
            created = self.ago(self.rng.uniform(30, DAYS + 400))
            customer = m.Customer(
                name=name, industry=industry, tier=tier, owner=owner, size=sizes[tier],
                territory=territory,
                source=_pick(self.rng, SOURCES), phone=self.phone(), created_at=created,
                updated_at=created, owned_since=created if owner else None,
            )  # fmt: skip
            self.customers.append(customer)
            self.short[id(customer)] = short
        self.contact_rows()

    def contact_rows(self) -> None:
        counts = {"strategic": (4, 6), "key": (3, 4), "core": (2, 3), "general": (1, 2)}
        for c in self.customers:
            mine = []
            for i in range(self.rng.randint(*counts[c.tier])):
                role = "decision_maker" if i == 0 else _pick(self.rng, ROLES)
                mine.append(m.Contact(
                    customer=c, name=person_name(self.ctx), title=self.word(role),
                    buying_role=role, is_primary=i == 0, phone=self.phone(mobile=True),
                    created_at=c.created_at, updated_at=c.created_at,
                ))  # fmt: skip
            self.contacts[id(c)] = mine

    # --- deals --------------------------------------------------------------------------------

    def deal_rows(self) -> None:
        owned = [c for c in self.customers if c.owner_id]
        weights = [DEALS_PER[c.tier] for c in owned]
        partners_in: dict[int | None, list[m.Partner]] = defaultdict(list)
        for p in self.partner_list:
            partners_in[p.territory_id].append(p)
        for customer in self.rng.choices(owned, weights, k=self.n(2500, 40)):
            # A growing business: a third of the deals were opened in the last five months.
            recent = self.rng.random() < 0.35
            age = 150 * self.rng.random() if recent else (DAYS + 100) * self.rng.random()
            created = self.on(self.ago(age).date())
            created = min(created, self.now - timedelta(hours=1))
            if created < customer.created_at:
                customer.created_at = created - timedelta(days=self.rng.randint(5, 60))
            nearby = partners_in.get(customer.territory_id) or self.partner_list
            partner = customer.partner
            if partner is None and nearby and self.rng.random() < 0.07:
                partner = customer.partner = self.rng.choice(nearby)
            self.deals.append(self.one_deal(customer, created, partner))

    def one_deal(self, customer: m.Customer, created: datetime, partner: Any) -> Deal:
        code = _pick(self.rng, {"saas": 45, "hw": 35, "svc": 20})
        code = code if self.catalogue.get(code) else next(iter(self.catalogue))
        opp = m.Opportunity(
            customer=customer, owner=customer.owner, product_line=self.product_lines[code],
            name=f"{self.short[id(customer)]}{'' if self.ctx.chinese else ' – '}{self.word(code)}",
            partner=partner, source="partner" if partner else customer.source, created_at=created,
        )  # fmt: skip
        deal = Deal(opp, self.walk(created))
        deal.lines = self.deal_lines(opp, customer.tier, code)
        opp.amount = sum((line.total for line in deal.lines), Decimal("0.00"))
        self.settle(deal)
        return deal

    def walk(self, created: datetime) -> list[tuple[str, datetime]]:
        """The deal's stays: through the funnel at varying pace, lost, won, or still open."""
        stays: list[tuple[str, datetime]] = []
        at, i, went_back = created, 0, False
        stuck = self.rng.random() < 0.1
        while True:
            stays.append((FUNNEL[i], at))
            days = self.stages[FUNNEL[i]].standard_days * self.rng.lognormvariate(0.3, 0.55)
            if stuck and i >= 1:
                days, stuck = days * self.rng.uniform(3, 6), False
            leave = at + timedelta(days=days)
            if leave >= self.now:
                return stays
            if self.rng.random() < LOSE_AT[i]:
                return [*stays, ("lost", leave)]
            if i == len(FUNNEL) - 1:
                return [*stays, ("won", self.quarter_end(leave))]
            if i == 3 and not went_back and self.rng.random() < 0.1:
                i, went_back = 2, True  # back to proposal: the offer is reworked
            else:
                i += 1
            at = leave

    def quarter_end(self, moment: datetime) -> datetime:
        """Seasonality: many wins slip to the last weeks of the quarter."""
        month = moment.month
        if month % 3 == 0 or self.rng.random() > 0.3:
            return moment
        end_month = month + 3 - month % 3
        last = (date(moment.year + end_month // 12, end_month % 12 + 1, 1) - timedelta(days=1)).day
        pushed = self.on(date(moment.year, end_month, self.rng.randint(16, last)))
        return pushed if moment < pushed <= self.now else moment

    def deal_lines(self, opp: m.Opportunity, tier: str, code: str) -> list[m.OpportunityLine]:
        rng = self.rng
        target = min(9_000_000, max(6_000, DEAL_SIZE[tier] * rng.lognormvariate(0, 0.9)))
        range_ = self.catalogue[code]
        products = rng.sample(range_, k=rng.randint(1, min(3, len(range_))))
        if code != "svc" and self.catalogue.get("svc") and rng.random() < 0.35:
            products.append(rng.choice(self.catalogue["svc"]))
        discount = int(_pick(rng, {"0": 55, "5": 17, "8": 10, "10": 8, "15": 6, "20": 4}))
        shares = [rng.random() + 0.3 for _ in products]
        lines = []
        for product, share in zip(products, shares, strict=True):
            net = float(product.list_price) * (100 - discount) / 100
            quantity = Decimal(max(1, round(target * share / sum(shares) / net)))
            lines.append(m.OpportunityLine(
                opportunity=opp, product=product, quantity=quantity, unit_price=product.list_price,
                discount_pct=Decimal(discount),
                total=line_total(quantity, product.list_price, Decimal(discount)),
            ))  # fmt: skip
        return lines

    def settle(self, deal: Deal) -> None:
        """The deal's current state, consistent with where its stays ended."""
        opp, (code, entered) = deal.opp, deal.stays[-1]
        stage, rng = self.stages[code], self.rng
        reached = max(FUNNEL.index(c) for c, _at in deal.stays if c in FUNNEL)
        opp.stage, opp.stage_entered_at, opp.probability = stage, entered, stage.probability
        opp.need_confirmed = reached >= 1
        opp.decision_maker = self.contacts[id(opp.customer)][0] if reached >= 2 else None
        opp.updated_at = entered
        if stage.kind == m.Stage.Kind.OPEN:
            left = sum(self.stages[c].standard_days for c in FUNNEL[FUNNEL.index(code) :])
            planned = (entered + timedelta(days=left * rng.uniform(0.7, 1.4))).date()
            if planned < self.today and rng.random() < 0.7:
                opp.close_date_changes = rng.randint(1, 3)
                planned = self.today + timedelta(days=rng.randint(7, 60))
            opp.expected_close, opp.next_step = planned, self.word("next")
            opp.forecast_category = {"closing": "commit", "negotiation": "best_case"}.get(
                code, "pipeline"
            )
            return
        opp.closed_at, opp.expected_close = entered, entered.date()
        opp.forecast_category = "commit" if code == "won" else "omitted"
        if code == "lost":
            opp.lost_reason = _pick(rng, LOST)
            opp.lost_note = self.word("lost") if rng.random() < 0.6 else ""

    def history_rows(self) -> Iterator[m.StageHistory]:
        for deal in self.deals:
            stays = deal.stays
            for i, (code, entered) in enumerate(stays):
                yield m.StageHistory(
                    opportunity=deal.opp, stage=self.stages[code], entered_at=entered,
                    from_stage=self.stages[stays[i - 1][0]] if i else None,
                    left_at=stays[i + 1][1] if i + 1 < len(stays) else None,
                    moved_by=deal.opp.owner,
                )  # fmt: skip
