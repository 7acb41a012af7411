"""The generated organisation: a company, regions, branches and teams (depth 4), leaders at
every level, reps skewed across teams, staff roles, a few mid-history team moves."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from bench.data import names
from bench.data.loader import Loader

TEAM_SIZE = 9  # reps per team on average
TEAMS_PER_BRANCH = 5
BRANCHES_PER_REGION = 4
TERRITORIES = ["north", "east", "south", "west", "central", "northeast", "southwest", "northwest"]
PRODUCT_LINES = ["platform", "analytics", "hardware", "services", "cloud"]


@dataclass
class Person:
    id: int
    username: str
    position: str
    unit: int
    manager: int | None
    hire: date
    territory: int
    moved: tuple[int, date] | None = None  # (earlier unit, date of the move)


@dataclass
class Org:
    units: list[tuple[int, str, str, str, int | None, int]] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    leaders: dict[int, int] = field(default_factory=dict)  # unit -> leader id
    paths: dict[int, str] = field(default_factory=dict)
    region_of: dict[int, int] = field(default_factory=dict)  # unit -> region unit
    reps: list[Person] = field(default_factory=list)
    teams: list[int] = field(default_factory=list)
    territories: list[int] = field(default_factory=list)
    product_lines: list[int] = field(default_factory=list)

    def by_username(self, name: str) -> Person:
        return next(p for p in self.people if p.username == name)


def _shape(people: int) -> tuple[int, int, int]:
    teams = max(2, round(people / (TEAM_SIZE + 1.5)))
    branches = max(1, math.ceil(teams / TEAMS_PER_BRANCH))
    regions = max(1, math.ceil(branches / BRANCHES_PER_REGION))
    return regions, branches, teams


def build(rng: random.Random, people: int, anchor: date, months: int) -> Org:
    org = Org()
    org.territories = list(range(1, len(TERRITORIES) + 1))
    org.product_lines = list(range(1, len(PRODUCT_LINES) + 1))
    regions, branches, teams = _shape(people)
    start = anchor - timedelta(days=months * 31 + 365)
    next_person = iter(range(1, 10**9))

    def add_unit(kind: str, name: str, parent: int | None) -> int:
        uid = len(org.units) + 1
        org.paths[uid] = f"{org.paths[parent] if parent else '/'}{uid}/"
        org.units.append(
            (uid, kind, name, f"{kind[:2]}{uid}", parent, org.paths[uid].count("/") - 2)
        )
        return uid

    def add_person(username: str, position: str, unit: int, manager: int | None) -> Person:
        hire = start + timedelta(days=rng.randint(0, 400))
        terr = org.territories[(org.region_of.get(unit, unit)) % len(org.territories)]
        p = Person(next(next_person), username, position, unit, manager, hire, terr)
        org.people.append(p)
        return p

    company = add_unit("company", "华辰集团", None)
    director = add_person("director", "director", company, None)
    org.leaders[company] = director.id
    for staff in ("admin", "hr", "finance"):
        add_person(staff, staff, company, director.id)
    add_person("channel1", "channel_manager", company, director.id)
    team_units: list[tuple[int, int]] = []  # (team, supervisor)
    for r in range(regions):
        region = add_unit("region", f"{names.CITIES[r % len(names.CITIES)]}大区", company)
        org.region_of[region] = region
        sm = add_person(f"sm{r + 1}", "senior_manager", region, director.id)
        org.leaders[region] = sm.id
        for b in range(BRANCHES_PER_REGION):
            bno = r * BRANCHES_PER_REGION + b
            if bno >= branches:
                break
            branch = add_unit("branch", f"第{bno + 1}分部", region)
            org.region_of[branch] = region
            mgr = add_person(f"mgr{bno + 1}", "manager", branch, sm.id)
            org.leaders[branch] = mgr.id
            for t in range(TEAMS_PER_BRANCH):
                tno = bno * TEAMS_PER_BRANCH + t
                if tno >= teams:
                    break
                team = add_unit("team", f"销售{tno + 1}组", branch)
                org.region_of[team] = region
                sup = add_person(f"sup{tno + 1}", "supervisor", team, mgr.id)
                org.leaders[team] = sup.id
                team_units.append((team, sup.id))
    org.teams = [t for t, _ in team_units]
    for i in range(max(len(team_units), people - len(org.people))):
        team, leader = (
            team_units[i % len(team_units)] if i < len(team_units) else rng.choice(team_units)
        )
        rep = add_person(f"rep{i + 1}", "rep", team, leader)
        org.reps.append(rep)
    # a few reps changed team during the history (their records count where they were)
    for rep in rng.sample(org.reps, k=max(1, len(org.reps) // 30)):
        earlier = rng.choice(org.teams)
        if earlier != rep.unit:
            rep.moved = (earlier, anchor - timedelta(days=rng.randint(30, months * 28)))
    return org


def load(loader: Loader, org: Org, password: str, anchor: date, now_ts: float) -> None:
    dt = loader.dt(now_ts)
    loader.load("org_territory", ["id", "code", "name", "is_active"],
                [(i, c, c.title(), True) for i, c in enumerate(TERRITORIES, 1)])  # fmt: skip
    loader.load("org_productline", ["id", "code", "name", "is_active"],
                [(i, c, c.title(), True) for i, c in enumerate(PRODUCT_LINES, 1)])  # fmt: skip
    leaders = org.leaders
    loader.load(
        "org_orgunit",
        ["id", "created_at", "updated_at", "name", "code", "kind", "path", "depth", "is_active",
         "leader_id", "parent_id", "territory_id"],
        [(uid, dt, dt, name, code, kind, org.paths[uid], depth, True, None, parent,
          org.territories[uid % len(org.territories)])
         for uid, kind, name, code, parent, depth in org.units],
    )  # fmt: skip
    rng = random.Random(7)
    loader.load(
        "org_user",
        ["id", "password", "is_superuser", "username", "first_name", "last_name", "email",
         "is_staff", "is_active", "date_joined", "display_name", "phone", "locale", "time_zone",
         "position", "grade", "hire_date", "manager_id", "unit_id", "territory_id"],
        [(p.id, password, p.position == "admin", p.username, "", "", f"{p.username}@bench.test",
          p.position == "admin", True, dt, names.person(rng), f"138{p.id:08d}", "", "",
          p.position, 1, loader.day(p.hire), p.manager, p.unit, p.territory)
         for p in org.people],
    )  # fmt: skip
    with_leaders = [(leader, uid) for uid, leader in leaders.items()]
    from django.db import connection

    with connection.cursor() as cur:
        cur.executemany("UPDATE org_orgunit SET leader_id = %s WHERE id = %s", with_leaders)
    base = min(p.hire for p in org.people)
    loader.load("org_unitplacement", ["id", "start", "end", "parent_id", "unit_id"],
                [(uid, loader.day(base), None, parent, uid)
                 for uid, _k, _n, _c, parent, _d in org.units])  # fmt: skip
    assignments: list[tuple[str, date, date | None, int | None, int, int]] = []
    for p in org.people:
        if p.moved:
            earlier, on = p.moved
            assignments.append(
                (p.position, p.hire, on - timedelta(days=1), p.manager, p.id, earlier)
            )
            assignments.append((p.position, on, None, p.manager, p.id, p.unit))
        else:
            assignments.append((p.position, p.hire, None, p.manager, p.id, p.unit))
    loader.load(
        "org_assignment",
        ["id", "position", "start", "end", "manager_id", "user_id", "unit_id"],
        [(i, pos, loader.day(s), loader.day(e), m, u, unit)
         for i, (pos, s, e, m, u, unit) in enumerate(assignments, 1)],
    )  # fmt: skip
