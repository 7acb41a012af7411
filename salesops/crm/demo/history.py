"""The demo CRM history, part two: leads, contracts with approvals and payments, activities
behind every customer's last contact; then everything is written in bulk."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from salesops.core.money import CENT
from salesops.crm import models as m
from salesops.crm.demo.data import (
    CARE_DAYS,
    DAYS,
    FUNNEL,
    KINDS_AT,
    METHODS,
    SOURCES,
    _pick,
    manual_timestamps,
)
from salesops.crm.demo.deals import Deal, Deals
from salesops.crm.selectors.contracts import approval_chain, ladder_rank, rule_applies
from salesops.org.demo import person_name
from salesops.org.models import User
from salesops.org.roles import Role


class History(Deals):
    """The whole CRM history: Deals, then leads, contracts, payments and activities."""

    # --- leads --------------------------------------------------------------------------------

    def lead_rows(self) -> None:
        rng, reps = self.rng, self.by_role[Role.REP]
        weights = {"new": 25, "working": 20, "qualified": 10, "converted": 30, "disqualified": 15}
        statuses = rng.choices(list(weights), list(weights.values()), k=self.n(600, 10))
        converted = iter(
            rng.sample(self.deals, k=min(statuses.count("converted"), len(self.deals)))
        )
        taken = {c.name for c in self.customers}
        self.leads: list[m.Lead] = []
        for status in statuses:
            deal = next(converted, None) if status == "converted" else None
            if status == "converted" and deal is None:
                status = "qualified"
            lead = self.converted_lead(deal) if deal else self.open_lead(status, reps, taken)
            lead.status = status
            self.leads.append(lead)

    def converted_lead(self, deal: Deal) -> m.Lead:
        opp, customer = deal.opp, deal.opp.customer
        contact = self.contacts[id(customer)][0]
        created = opp.created_at - timedelta(days=self.rng.randint(3, 30))
        if not opp.partner_id:
            opp.source = customer.source
        return m.Lead(
            title=f"{self.short[id(customer)]} {self.word('need')}", company_name=customer.name,
            contact_name=contact.name, contact_title=contact.title, phone=contact.phone,
            source=opp.source or "other", owner=opp.owner, territory=customer.territory,
            budget_ok=True, authority_ok=True, need_ok=True, timeline_ok=True,
            claimed_at=created + timedelta(hours=4), last_activity_at=opp.created_at,
            converted_at=opp.created_at, customer=customer, contact=contact, opportunity=opp,
            created_at=created, updated_at=opp.created_at,
        )  # fmt: skip

    def open_lead(self, status: str, reps: list[User], taken: set[str]) -> m.Lead:
        rng = self.rng
        pooled = status in ("new", "disqualified") and rng.random() < 0.5
        owner = None if pooled else rng.choice(reps)
        territory = owner.territory if owner else self.rng.choice(self.territories)
        name, _industry, short = self.company(taken, territory)
        created = self.ago(rng.uniform(0.5, 60) if status == "new" else rng.uniform(3, DAYS))
        qualified = status == "qualified"
        return m.Lead(
            title=f"{short} {self.word('need')}", company_name=name, owner=owner,
            contact_name=person_name(self.ctx), phone=self.phone(mobile=True),
            source=_pick(rng, SOURCES), territory=territory,
            need_ok=status != "new", budget_ok=qualified, authority_ok=qualified,
            timeline_ok=qualified and rng.random() < 0.7,
            claimed_at=created + timedelta(hours=rng.randint(1, 72)) if owner else None,
            disqualified_reason=self.word("disqualified") if status == "disqualified" else "",
            created_at=created, updated_at=created,
        )  # fmt: skip

    # --- contracts and payments ---------------------------------------------------------------

    def rule_for(self, amount: Decimal, discount: Decimal) -> m.ApprovalRule | None:
        matching = [r for r in self.rules if rule_applies(r, amount, discount)]
        return max(
            matching, key=lambda r: ladder_rank(r.up_to) if r.up_to != "admin" else 99, default=None
        )

    def chain(self, owner: User, up_to: str) -> list[User]:
        key = (owner.pk, up_to)
        if key not in self.chains:
            try:
                self.chains[key] = approval_chain(owner=owner, up_to=up_to)
            except ValidationError:
                self.chains[key] = []
        return self.chains[key]

    def contract_rows(self) -> None:
        won = sorted(
            (d for d in self.deals if d.stays[-1][0] == "won"), key=lambda d: d.stays[-1][1]
        )
        numbers: dict[int, int] = defaultdict(int)
        contracts: list[m.Contract] = []
        lines, steps, payments = self.rows["lines"], self.rows["steps"], self.rows["payments"]
        rejected = False
        for deal in won:
            opp, closed = deal.opp, deal.stays[-1][1]
            discount = max(line.discount_pct for line in deal.lines)
            rule = self.rule_for(opp.amount, discount)
            chain = self.chain(opp.owner, rule.up_to) if rule else []
            status = "signed"
            if chain and closed > self.ago(10):
                status, rejected = ("rejected", True) if not rejected else ("pending", rejected)
            elif not chain and closed > self.ago(3) and self.rng.random() < 0.5:
                status = "draft"
            numbers[closed.year] += 1
            number = f"HT-{closed.year}-{numbers[closed.year]:05d}"
            contract = self.contract(deal, number, status, len(chain))
            contract.max_discount_pct = discount
            contracts.append(contract)
            lines += [m.ContractLine(contract=contract, product=x.product, quantity=x.quantity,
                                     unit_price=x.unit_price, discount_pct=x.discount_pct,
                                     total=x.total) for x in deal.lines]  # fmt: skip
            steps += self.steps(contract, chain, closed) if status != "draft" else []
            payments += self.payments(contract) if status == "signed" else []
        self.contracts = contracts

    def contract(self, deal: Deal, number: str, status: str, approvers: int) -> m.Contract:
        opp, closed, rng = deal.opp, deal.stays[-1][1], self.rng
        days = approvers + rng.randint(1, 3)  # each approver takes a working day
        signed = min(self.today, closed.date() + timedelta(days=days))
        starts = signed + timedelta(days=rng.randint(0, 14))
        contract = m.Contract(
            number=number, customer=opp.customer, opportunity=opp, owner=opp.owner,
            partner=opp.partner, amount=opp.amount, status=status, created_at=closed,
            updated_at=closed, signed_on=signed if status == "signed" else None,
            starts_on=starts, ends_on=starts + timedelta(days=364),
        )  # fmt: skip
        if status == "signed" and signed <= self.today - timedelta(days=14) and rng.random() < 0.75:
            team = [p for p in self.team[opp.owner.unit_id] if p.pk != opp.owner_id]
            contract.service_owner = rng.choice(team) if team else opp.owner
            contract.handed_off_at = self.on(signed + timedelta(days=rng.randint(3, 13)))
            contract.handoff_notes = self.word("handoff")
        return contract

    def steps(self, contract: m.Contract, chain: list[User], closed: datetime) -> list[Any]:
        """Approval steps consistent with the status: all approved, some pending, or a no."""
        decided = self.rng.randint(0, len(chain) - 1) if contract.status != "signed" else len(chain)
        rows = []
        for i, approver in enumerate(chain):
            if contract.status == "rejected" and i > decided:
                break
            decision = "approved" if i < decided else "pending"
            if contract.status == "rejected" and i == decided:
                decision = "rejected"
            day = closed.date() + timedelta(days=i + 1)
            at = min(self.on(day), self.now) if decision != "pending" else None
            reason = self.word("reject") if decision == "rejected" else ""
            step = m.ApprovalStep(contract=contract, order=i + 1, approver=approver, reason=reason)
            step.decision, step.decided_at = decision, at
            rows.append(step)
        return rows

    def payments(self, contract: m.Contract) -> list[m.Payment]:
        """Instalments as agreed (some late), each never more than what is still open."""
        rng = self.rng
        plan = rng.choices([(100,), (30, 70), (30, 60, 10)], [40, 40, 20])[0]
        windows, rows, paid = [(0, 20), (30, 90), (120, 200)], [], Decimal("0.00")
        finance = self.by_role[Role.FINANCE] or [contract.owner]
        signed: date = contract.signed_on  # type: ignore[assignment]
        for i, pct in enumerate(plan):
            part = (contract.amount * pct / 100).quantize(CENT) if i < len(plan) - 1 else None
            part = contract.amount - paid if part is None else part
            day = signed + timedelta(days=rng.randint(*windows[i]))
            if day > self.today or rng.random() < 0.12 or part <= 0:
                break
            paid, at = paid + part, self.on(day)
            rows.append(m.Payment(
                contract=contract, amount=part, received_on=day, method=_pick(rng, METHODS),
                reference=f"TT{day:%Y%m%d}{rng.randint(1000, 9999)}",
                recorded_by=rng.choice(finance), created_at=at, updated_at=at,
            ))  # fmt: skip
        return rows

    # --- activities ---------------------------------------------------------------------------

    def activity(self, kind: str, owner: Any, when: datetime, **links: Any) -> m.Activity:
        """One activity: done in the past (a few cancelled), planned in the future."""
        customer, rng = links.get("customer"), self.rng
        name = self.short.get(id(customer), "") if customer else links.pop("name", "")
        planned = links.pop("planned", False)
        status = "planned" if when > self.now or planned else "done"
        if status == "done" and rng.random() < 0.03:
            status = "cancelled"
        contacts = self.contacts.get(id(customer), []) if customer else []
        subject = dict(s.split("=") for s in self.words("subject"))[kind].format(c=name)
        made = m.Activity(
            kind=kind, subject=subject, status=status, owner=owner, due_at=when,
            contact=rng.choice(contacts) if contacts else None, created_at=min(when, self.now),
            updated_at=min(when, self.now), done_at=when if status == "done" else None,
            outcome=self.word("outcome") if status == "done" else "", **links,
        )  # fmt: skip
        if status == "done" and kind == "visit" and owner.manager_id and rng.random() < 0.06:
            made.is_coaching = True
            self.coached.append((made, owner.manager_id))
        self.activities.append(made)
        return made

    def deal_activities(self) -> None:
        for deal in self.deals:
            opp, stays = deal.opp, deal.stays
            for i, (code, entered) in enumerate(stays):
                if code not in FUNNEL:
                    break
                end = stays[i + 1][1] if i + 1 < len(stays) else self.now
                span = (end - entered).total_seconds()
                for _ in range(min(5, max(1, round(span / 86400 / 13)))):
                    when = entered + timedelta(seconds=self.rng.uniform(0, span))
                    kind = self.rng.choice(KINDS_AT[code].split())
                    self.activity(kind, opp.owner, when, customer=opp.customer, opportunity=opp)
            if opp.closed_at is None and self.rng.random() < 0.8:
                overdue = self.rng.random() < 0.15
                when = self.ago(self.rng.uniform(2, 20) if overdue else -self.rng.uniform(1, 14))
                self.activity("follow_up", opp.owner, when, customer=opp.customer,
                              opportunity=opp, planned=True)  # fmt: skip

    def care_activities(self) -> None:
        """Owners keep in touch with their better customers; some key ones are left overdue."""
        kinds = {"visit": 35, "call": 45, "meeting": 10, "email": 10}
        standards = dict(m.TierStandard.objects.values_list("tier", "max_days_between_contacts"))
        self.overdue: dict[int, datetime] = {}
        for c in self.customers:
            if not c.owner_id or c.tier not in CARE_DAYS:
                continue
            when = self.ago(365 * self.rng.uniform(0.6, 1.0))
            while when < self.now:
                self.activity(_pick(self.rng, kinds), c.owner, when, customer=c)
                when += timedelta(days=CARE_DAYS[c.tier] * self.rng.uniform(0.5, 1.5))
            standard = standards.get(c.tier, CARE_DAYS[c.tier])
            if c.tier in ("strategic", "key") and self.rng.random() < 0.25:
                self.overdue[id(c)] = self.ago(standard + self.rng.randint(5, 40))
            elif c.tier in ("strategic", "key"):
                recent = self.ago(self.rng.uniform(0.2, max(1, standard - 1)))
                self.activity("call", c.owner, recent, customer=c)
        self.activities = [a for a in self.activities if not self.hides(a)]

    def hides(self, activity: m.Activity) -> bool:
        """A done contact after an overdue customer's cut-off, which would hide the neglect."""
        cutoff = self.overdue.get(id(activity.customer))
        done = activity.done_at
        return cutoff is not None and done is not None and done > cutoff

    def lead_activities(self) -> None:
        for lead in self.leads:
            if lead.status in ("working", "qualified") and lead.owner_id:
                when: datetime = lead.created_at  # type: ignore[assignment]
                for _ in range(self.rng.randint(1, 3)):
                    when += timedelta(days=self.rng.uniform(0.5, 12))
                    if when < self.now:
                        self.activity("call", lead.owner, when, lead=lead, name=lead.company_name)
                        lead.last_activity_at = when

    def finish_customers(self) -> None:
        """Status, partner and last contact (the latest done activity) of every customer."""
        last: dict[int, datetime] = {}
        for a in self.activities:
            if a.status == "done" and a.customer is not None and a.done_at:
                key = id(a.customer)
                last[key] = max(last.get(key, a.done_at), a.done_at)
        won = {id(d.opp.customer) for d in self.deals if d.stays[-1][0] == "won"}
        tried = {id(d.opp.customer) for d in self.deals}
        for c in self.customers:
            c.last_contact_at = last.get(id(c))
            c.status = "active" if id(c) in won else "dormant" if id(c) in tried else "prospect"
            if c.status == "dormant" and self.rng.random() < 0.5:
                c.status = "prospect"
            c.owned_since = c.created_at if c.owner else None

    def write(self) -> None:
        """Everything generated, in dependency order, in bulk."""
        through = m.Activity.companions.through
        keep = {id(a) for a in self.activities}
        order: list[tuple[type[models.Model], list[Any]]] = [
            (m.Customer, self.customers),
            (m.Contact, [c for cs in self.contacts.values() for c in cs]),
            (m.Opportunity, [d.opp for d in self.deals]),
            (m.OpportunityLine, [line for d in self.deals for line in d.lines]),
            (m.StageHistory, list(self.history_rows())),
            (m.Lead, self.leads),
            (m.Contract, self.contracts),
            (m.ContractLine, self.rows["lines"]),
            (m.ApprovalStep, self.rows["steps"]),
            (m.Payment, self.rows["payments"]),
            (m.Activity, self.activities),
        ]
        with manual_timestamps(*(model for model, _rows in order)):
            for model, rows in order:
                model.objects.bulk_create(rows, batch_size=1000)
        through.objects.bulk_create(
            [through(activity_id=a.pk, user_id=uid) for a, uid in self.coached if id(a) in keep]
        )

    def run(self) -> None:
        self.products()
        with manual_timestamps(m.Partner):
            self.partners()
        self.customer_rows()
        self.deal_rows()
        self.lead_rows()
        self.contract_rows()
        self.deal_activities()
        self.care_activities()
        self.lead_activities()
        self.finish_customers()
        self.write()
        self.ctx.made["crm"] = {
            "customers": self.customers, "opportunities": [d.opp for d in self.deals],
            "contracts": self.contracts, "partners": self.partner_list,
        }  # fmt: skip
