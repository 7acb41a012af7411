"""Generated CRM history: customers (tiers, owners skewed), contacts, leads, opportunities with
stage histories (won/lost mix, lognormal sizes and cycles, seasonality, slipped close dates),
contracts and payments for won deals, and activities (a stored last-contact date)."""

from __future__ import annotations

import math
import random
from array import array
from bisect import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import accumulate
from typing import Any

from bench.data import names
from bench.data.clock import DAY, Clock, to_local_date
from bench.data.loader import Loader
from bench.data.org import Org
from bench.scales import Scale

TIERS = [("strategic", 0.02, 6.0, 0.45), ("key", 0.08, 3.0, 0.40),
         ("core", 0.30, 1.5, 0.33), ("general", 0.60, 1.0, 0.28)]  # fmt: skip
STATUSES = [("active", 0.5), ("prospect", 0.35), ("dormant", 0.1), ("lost", 0.05)]
SOURCES = ["campaign", "referral", "website", "partner", "cold_call", "exhibition", "existing"]
INDUSTRIES = ["制造", "医疗", "零售", "金融", "教育", "物流", "能源", "政府"]
SIZES = ["small", "medium", "large", "huge"]
LOST_REASONS = ["price", "competitor", "no_budget", "no_decision", "product_fit", "relationship"]
STAGE_PROB = {1: 10, 2: 25, 3: 50, 4: 75, 5: 90, 6: 100, 7: 0}
LOST_AT = [0.3, 0.3, 0.2, 0.12, 0.08]  # the open stage a lost deal reached
KINDS = [("visit", 0.25), ("call", 0.33), ("meeting", 0.1), ("email", 0.1), ("demo", 0.05),
         ("proposal", 0.06), ("follow_up", 0.11)]  # fmt: skip
SUBJECTS = {"visit": "上门拜访", "call": "电话沟通", "meeting": "会议", "email": "邮件跟进",
            "demo": "产品演示", "proposal": "发送方案", "follow_up": "跟进"}  # fmt: skip


def _pick(rng: random.Random, table: list[tuple[str, float]]) -> str:
    x = rng.random()
    for value, share in table:
        x -= share
        if x < 0:
            return value
    return table[-1][0]


@dataclass
class Crm:
    """What later steps need to know about the generated records."""

    cust_owner: array = field(default_factory=lambda: array("i", [0]))
    cust_weight: list[float] = field(default_factory=list)
    cust_opps: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    opp_span: dict[int, tuple[float, float]] = field(default_factory=dict)
    won: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    partners: int = 0


def _customers(loader: Loader, rng: random.Random, scale: Scale, org: Org, clock: Clock) -> Crm:
    crm = Crm()
    reps = org.reps
    rep_weight = list(accumulate(rng.paretovariate(2.0) for _ in reps))
    rows = []
    for cid in range(1, scale.customers + 1):
        rep = reps[bisect(rep_weight, rng.random() * rep_weight[-1])]
        x, tier, weight = rng.random(), "general", 1.0
        for name, share, w, _win in TIERS:
            x -= share
            if x < 0:
                tier, weight = name, w
                break
        crm.cust_owner.append(rep.id)
        crm.cust_weight.append(weight)
        created = (
            clock.starts[0] - rng.random() * 365 * DAY if rng.random() < 0.7 else clock.sample(rng)
        )
        dt = loader.dt(created)
        rows.append((cid, dt, dt, names.company(rng), "enterprise", rng.choice(INDUSTRIES),
                     rng.choice(SIZES), rng.choice(SOURCES), _pick(rng, STATUSES), tier,
                     f"9131{cid:014d}", f"021{cid:08d}", "", None, dt, None, rep.id,
                     rep.territory, None))  # fmt: skip
    loader.load(
        "crm_customer",
        ["id", "created_at", "updated_at", "name", "kind", "industry", "size", "source", "status",
         "tier", "tax_number", "phone", "address", "last_contact_at", "owned_since",
         "merged_into_id", "owner_id", "territory_id", "partner_id"],
        rows,
    )  # fmt: skip
    contacts = [
        (cid, rows[cid - 1][1], names.person(rng), "总经理", "decision_maker", f"139{cid:08d}",
         "", True, cid)
        for cid in range(1, scale.customers + 1)
    ]  # fmt: skip
    loader.load("crm_contact",
                ["id", "created_at", "updated_at", "name", "title", "buying_role", "phone",
                 "email", "is_primary", "customer_id"],
                [(c[0], c[1], c[1], *c[2:]) for c in contacts])  # fmt: skip
    crm.partners = max(2, scale.people // 50)
    channel = org.by_username("channel1").id
    now = loader.dt(clock.now)
    loader.load("crm_partner",
                ["id", "created_at", "updated_at", "name", "kind", "level", "contact_name",
                 "phone", "is_active", "channel_manager_id", "territory_id"],
                [(i, now, now, names.company(rng), "reseller", "gold", names.person(rng),
                  f"400{i:07d}", True, channel, None)
                 for i in range(1, crm.partners + 1)])  # fmt: skip
    return crm


@dataclass
class Deal:
    id: int
    owner: int
    customer: int
    created: float
    end: float  # close time, or now for open deals
    outcome: str  # won / lost / open
    reached: int  # highest open stage reached (1..5)
    amount: int


def _deal(rng: random.Random, oid: int, crm: Crm, cum: list[float], org: Org, clock: Clock) -> Deal:
    cid = bisect(cum, rng.random() * cum[-1]) + 1
    owner = crm.cust_owner[cid] if rng.random() < 0.9 else rng.choice(org.reps).id
    weight = crm.cust_weight[cid - 1]
    created = clock.sample(rng, work=False)
    amount = round(rng.lognormvariate(math.log(60_000), 1.1) * (1 + weight / 3) / 100) * 10_000
    amount = max(amount, 100_000)
    cycle = rng.lognormvariate(math.log(40), 0.7) * (amount / 6_000_000) ** 0.15
    cycle = min(max(cycle, 3.0), 400.0)
    close = created + cycle * DAY
    win = next(w for name, _s, wt, w in TIERS if wt == weight)
    if close < clock.now:
        won = rng.random() < win
        reached = 5 if won else 1 + bisect(list(accumulate(LOST_AT)), rng.random())
        return Deal(
            oid, owner, cid, created, close, "won" if won else "lost", min(reached, 5), amount
        )
    reached = min(5, 1 + int((clock.now - created) / (close - created) * 5))
    return Deal(oid, owner, cid, created, clock.now, "open", reached, amount)


def _path(rng: random.Random, deal: Deal) -> list[tuple[int, float]]:
    """(stage id, entered at) for each stage the deal went through, terminal stage last."""
    stages = list(range(1, deal.reached + 1))
    weights = [rng.random() + 0.3 for _ in stages]
    total = sum(weights)
    span = deal.end - deal.created
    entered, at = [], deal.created
    for stage, w in zip(stages, weights, strict=True):
        entered.append((stage, at))
        at += span * w / total
    if deal.outcome != "open":
        entered.append((6 if deal.outcome == "won" else 7, deal.end))
    elif rng.random() < 0.5:  # the current stage began some time before now
        entered[-1] = (entered[-1][0], entered[-1][1] - rng.random() * 0.1 * span)
    return entered


def _stage_ids() -> dict[int, int]:
    """The shipped stages' ids by their order (lead 1 … closing 5, won 6, lost 7): the rows
    were made by the data migration, so their ids are the database's."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute('SELECT "order", id FROM crm_stage')
        return dict(cur.fetchall())


def _forecast(rng: random.Random, stage: int) -> str:
    if rng.random() < 0.03:
        return "omitted"
    return {5: "commit", 4: "commit" if rng.random() < 0.5 else "best_case", 3: "best_case"}.get(
        stage, "pipeline"
    )


def _opportunities(loader: Loader, rng: random.Random, scale: Scale, org: Org, clock: Clock,
                   crm: Crm) -> list[Deal]:  # fmt: skip
    cum = list(accumulate(crm.cust_weight))
    deals = [_deal(rng, oid, crm, cum, org, clock) for oid in range(1, scale.opportunities + 1)]
    lines = len(org.product_lines)
    rows, stays = [], []
    stay_id = 0
    sid = _stage_ids()
    for d in deals:
        path = _path(rng, d)
        stage, entered = path[-1]
        crm.cust_opps[d.customer].append(d.id)
        crm.opp_span[d.id] = (d.created, d.end)
        closed = d.outcome != "open"
        close_day = to_local_date(d.end)
        slipped = not closed and rng.random() < 0.1
        if closed:
            expected = close_day
        elif slipped:
            expected = to_local_date(clock.now) - timedelta(days=rng.randint(1, 40))
        else:
            expected = to_local_date(clock.now) + timedelta(days=rng.randint(5, 120))
        if d.outcome == "won":
            crm.won[(d.owner, close_day.isoformat()[:7])] += d.amount
        created = loader.dt(d.created)
        rows.append((
            d.id, created, loader.dt(entered), f"{names.TRADES[d.id % 16]}项目-{d.id}", d.amount,
            STAGE_PROB[stage], loader.day(expected), rng.randint(1, 3) if slipped else 0,
            rng.choice(SOURCES), "", "", stage >= 2,
            "commit" if d.outcome == "won" else "omitted" if closed else _forecast(rng, stage),
            rng.choice(LOST_REASONS) if d.outcome == "lost" else "", "", loader.dt(entered),
            loader.dt(d.end) if closed else None, d.customer, d.customer if stage >= 3 else None,
            d.owner, 1 + d.id % lines, 1 + d.id % crm.partners if d.id % 20 == 0 else None,
            sid[stage],
        ))  # fmt: skip
        for i, (s, at) in enumerate(path):
            stay_id += 1
            left = path[i + 1][1] if i + 1 < len(path) else None
            stays.append((stay_id, loader.dt(at), loader.dt(left),
                          sid[path[i - 1][0]] if i else None, d.owner, d.id, sid[s]))  # fmt: skip
    loader.load(
        "crm_opportunity",
        ["id", "created_at", "updated_at", "name", "amount", "probability", "expected_close",
         "close_date_changes", "source", "competitors", "next_step", "need_confirmed",
         "forecast_category", "lost_reason", "lost_note", "stage_entered_at", "closed_at",
         "customer_id", "decision_maker_id", "owner_id", "product_line_id", "partner_id",
         "stage_id"],
        rows,
    )  # fmt: skip
    loader.load("crm_stagehistory",
                ["id", "entered_at", "left_at", "from_stage_id", "moved_by_id", "opportunity_id",
                 "stage_id"], stays)  # fmt: skip
    return deals


def _contracts(loader: Loader, rng: random.Random, deals: list[Deal], clock: Clock) -> None:
    contracts: list[tuple[Any, ...]] = []
    payments: list[tuple[int, int, float]] = []
    for d in deals:
        if d.outcome != "won":
            continue
        cid = len(contracts) + 1
        signed = to_local_date(d.end)
        at = loader.dt(d.end)
        contracts.append((cid, at, at, f"HT{cid:08d}", d.amount, "0", "signed", loader.day(signed),
                          loader.day(signed), loader.day(signed + timedelta(days=365)), None, "",
                          d.owner, None, d.customer, d.id, None))  # fmt: skip
        first = d.end + rng.uniform(10, 60) * DAY
        if first < clock.now:
            part = d.amount * 6 // 10 if rng.random() < 0.6 else d.amount
            payments.append((cid, part, first))
            second = first + rng.uniform(30, 120) * DAY
            if part < d.amount and second < clock.now:
                payments.append((cid, d.amount - part, second))
    loader.load(
        "crm_contract",
        ["id", "created_at", "updated_at", "number", "amount", "max_discount_pct", "status",
         "signed_on", "starts_on", "ends_on", "handed_off_at", "handoff_notes", "owner_id",
         "service_owner_id", "customer_id", "opportunity_id", "partner_id"],
        contracts,
    )  # fmt: skip
    loader.load(
        "crm_payment",
        ["id", "created_at", "updated_at", "amount", "received_on", "method", "reference",
         "contract_id", "recorded_by_id"],
        [(i, loader.dt(ts), loader.dt(ts), amount, loader.day(to_local_date(ts)), "transfer", "",
          cid, None) for i, (cid, amount, ts) in enumerate(payments, 1)],
    )  # fmt: skip


def _activity_rows(loader: Loader, rng: random.Random, scale: Scale, org: Org, clock: Clock,
                   crm: Crm, companions: list[tuple[int, int]]) -> Any:  # fmt: skip
    cum = list(accumulate(crm.cust_weight))
    managers = {p.id: p.manager for p in org.people}
    reps = org.reps
    recent = clock.now - 21 * DAY
    for aid in range(1, scale.activities + 1):
        cid = bisect(cum, rng.random() * cum[-1]) + 1
        owner = crm.cust_owner[cid] if rng.random() < 0.85 else rng.choice(reps).id
        opps = crm.cust_opps.get(cid)
        opp = None
        if opps and rng.random() < 0.6:
            opp = rng.choice(opps)
            start, end = crm.opp_span[opp]
            ts = clock.between(rng, start, end)
        else:
            ts = clock.sample(rng, past_only=rng.random() < 0.97)
        kind = _pick(rng, KINDS)
        if ts > clock.now:
            status, due, done = "planned", ts, None
        elif ts > recent and rng.random() < 0.15:
            status, due, done = "planned", ts, None  # overdue
        elif rng.random() < 0.01:
            status, due, done = "cancelled", ts, None
        else:
            status, due, done = "done", ts, ts
        coaching = kind == "visit" and done is not None and rng.random() < 0.03
        leader = managers.get(owner)
        if coaching and leader:
            companions.append((aid, leader))
        created = loader.dt(min(ts, clock.now))
        yield (aid, created, created, kind, SUBJECTS[kind], status, loader.dt(due),
               loader.dt(done), "", "", coaching, owner, cid, cid, None, opp)  # fmt: skip


def _activities(loader: Loader, rng: random.Random, scale: Scale, org: Org, clock: Clock,
                crm: Crm) -> None:  # fmt: skip
    companions: list[tuple[int, int]] = []
    loader.load(
        "crm_activity",
        ["id", "created_at", "updated_at", "kind", "subject", "status", "due_at", "done_at",
         "outcome", "next_step", "is_coaching", "owner_id", "contact_id", "customer_id",
         "lead_id", "opportunity_id"],
        _activity_rows(loader, rng, scale, org, clock, crm, companions),
    )  # fmt: skip
    loader.load("crm_activity_companions", ["id", "activity_id", "user_id"],
                [(i, a, u) for i, (a, u) in enumerate(companions, 1)])  # fmt: skip


def _leads(loader: Loader, rng: random.Random, scale: Scale, org: Org, clock: Clock) -> None:
    statuses = [("new", 0.3), ("working", 0.25), ("qualified", 0.1), ("converted", 0.2),
                ("disqualified", 0.15)]  # fmt: skip
    rows = []
    for lid in range(1, scale.leads + 1):
        status = _pick(rng, statuses)
        owner = (
            None if status in ("new", "working") and rng.random() < 0.2 else rng.choice(org.reps)
        )
        created = clock.sample(rng)
        dt = loader.dt(created)
        converted = status == "converted"
        customer = rng.randint(1, scale.customers) if converted else None
        rows.append((lid, dt, dt, f"线索-{lid}", names.company(rng), names.person(rng), "经理",
                     f"137{lid:08d}", "", rng.choice(SOURCES), status, converted, converted,
                     converted or status == "qualified", converted, None, "",
                     "no_budget" if status == "disqualified" else "",
                     dt if owner else None, dt, dt if converted else None,
                     customer, customer, owner.id if owner else None,
                     owner.territory if owner else None, None, None))  # fmt: skip
    loader.load(
        "crm_lead",
        ["id", "created_at", "updated_at", "title", "company_name", "contact_name",
         "contact_title", "phone", "email", "source", "status", "budget_ok", "authority_ok",
         "need_ok", "timeline_ok", "budget_amount", "notes", "disqualified_reason", "claimed_at",
         "last_activity_at", "converted_at", "contact_id", "customer_id", "owner_id",
         "territory_id", "opportunity_id", "partner_id"],
        rows,
    )  # fmt: skip


def _last_contact(loader: Loader) -> None:
    """The stored last-contact date, set-based, exactly as the activity service keeps it."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE crm_customer SET last_contact_at = m.last FROM ("
            " SELECT customer_id, MAX(done_at) AS last FROM crm_activity"
            " WHERE done_at IS NOT NULL GROUP BY customer_id) AS m"
            " WHERE m.customer_id = crm_customer.id"
        )


def build(loader: Loader, rng: random.Random, scale: Scale, org: Org, clock: Clock) -> Crm:
    crm = _customers(loader, rng, scale, org, clock)
    _leads(loader, rng, scale, org, clock)
    deals = _opportunities(loader, rng, scale, org, clock, crm)
    _contracts(loader, rng, deals, clock)
    del deals
    _activities(loader, rng, scale, org, clock, crm)
    _last_contact(loader)
    return crm
