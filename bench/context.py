"""What every operation looks at: the anchor quarter, and the people of each role whose view
is measured (the director for the whole company, a senior manager for a region, a manager for a
branch, a supervisor for a team, a rep)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bench.scales import ANCHOR, Scale
from salesops.core.periods import Period


@dataclass
class Context:
    scale: Scale
    db: str
    anchor: date = ANCHOR
    people: dict[str, Any] = field(default_factory=dict)
    units: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def quarter(self) -> Period:
        """The last full quarter before the anchor (its figures no longer move)."""
        return Period.containing("quarter", self.anchor).previous()

    @property
    def year(self) -> Period:
        return Period.containing("year", self.anchor)


def build(scale: Scale, db: str) -> Context:
    from salesops.org.models import OrgUnit, User

    ctx = Context(scale, db)
    for role, username in (("director", "director"), ("senior_manager", "sm1"),
                           ("manager", "mgr1"), ("supervisor", "sup1"), ("rep", "rep1"),
                           ("admin", "admin")):  # fmt: skip
        ctx.people[role] = User.objects.select_related("unit").get(username=username)
    ctx.units["company"] = OrgUnit.objects.get(parent__isnull=True)
    for role in ("senior_manager", "manager", "supervisor"):
        ctx.units[role] = OrgUnit.objects.get(leader=ctx.people[role])
    return ctx
