"""Test helpers: a small organisation with one named person for every role.

    acme (company, led by director)
    ├── north (region, led by manager)
    │   └── n1 (team, led by supervisor): rep, peer_rep
    ├── south (region, led by other_manager)
    │   └── s1 (team, led by other_supervisor): outside_rep
    ├── staff (department): hr, finance, admin
    └── channel (department): channel_manager

Later apps build their records on these people, so every test speaks of the same cast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from salesops.org.models import Assignment, OrgUnit, User
from salesops.org.roles import Role

PASSWORD = "test-pass-123"
NAMED_USERS = (
    "rep",
    "peer_rep",
    "supervisor",
    "manager",
    "other_manager",
    "other_supervisor",
    "outside_rep",
    "director",
    "channel_manager",
    "hr",
    "finance",
    "admin",
)


@dataclass
class Cast:
    """The named people and units of the test organisation."""

    users: dict[str, User] = field(default_factory=dict)
    units: dict[str, OrgUnit] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


def _unit(code: str, kind: str, parent: OrgUnit | None) -> OrgUnit:
    unit = OrgUnit.objects.create(code=code, name=code.title(), kind=kind, parent=parent)
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(update_fields=["path", "depth"])
    return unit


def _user(cast: Cast, username: str, position: str, unit: OrgUnit, manager: User | None) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        display_name=username.replace("_", " ").title(),
        position=position,
        unit=unit,
        manager=manager,
        hire_date=date(2020, 1, 6),
        is_staff=position == Role.ADMIN,
        is_superuser=position == Role.ADMIN,
    )
    Assignment.objects.create(
        user=user, unit=unit, position=position, manager=manager, start=date(2020, 1, 6)
    )
    cast.users[username] = user
    return user


def _lead(unit: OrgUnit, leader: User) -> None:
    unit.leader = leader
    unit.save(update_fields=["leader"])


def build_cast() -> Cast:
    """Create the test organisation and its named people."""
    cast = Cast()
    acme = _unit("acme", "company", None)
    north, south = _unit("north", "region", acme), _unit("south", "region", acme)
    n1, s1 = _unit("n1", "team", north), _unit("s1", "team", south)
    staff, channel = _unit("staff", "department", acme), _unit("channel", "department", acme)
    cast.units = {
        "acme": acme,
        "north": north,
        "south": south,
        "n1": n1,
        "s1": s1,
        "staff": staff,
        "channel": channel,
    }
    director = _user(cast, "director", Role.DIRECTOR, acme, None)
    manager = _user(cast, "manager", Role.MANAGER, north, director)
    other_manager = _user(cast, "other_manager", Role.MANAGER, south, director)
    supervisor = _user(cast, "supervisor", Role.SUPERVISOR, n1, manager)
    other_supervisor = _user(cast, "other_supervisor", Role.SUPERVISOR, s1, other_manager)
    _user(cast, "rep", Role.REP, n1, supervisor)
    _user(cast, "peer_rep", Role.REP, n1, supervisor)
    _user(cast, "outside_rep", Role.REP, s1, other_supervisor)
    _user(cast, "channel_manager", Role.CHANNEL_MANAGER, channel, director)
    for name, role in (("hr", Role.HR), ("finance", Role.FINANCE), ("admin", Role.ADMIN)):
        _user(cast, name, role, staff, director)
    for unit, leader in (
        (acme, director),
        (north, manager),
        (south, other_manager),
        (n1, supervisor),
        (s1, other_supervisor),
    ):
        _lead(unit, leader)
    return cast
