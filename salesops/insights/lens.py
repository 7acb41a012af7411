"""What a dashboard looks at: a window of time (a month, quarter, year or custom range), and
optionally a unit or a person within what the viewer can see.

A `Window` wraps core.periods.Period for the standard kinds and adds custom ranges; its `key`
is how it is written in URLs ("2026-11", "2026-Q4", "2026", "2026-10-01..2026-11-15").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from salesops.core.periods import Period
from salesops.core.selectors import search
from salesops.org.models import NAME_FIELDS, OrgUnit, User, shown_name
from salesops.org.roles import SALES_ROLES
from salesops.org.selectors import led_paths

KINDS = ("month", "quarter", "year")
MAX_CUSTOM_DAYS = 3 * 366


@dataclass(frozen=True)
class Window:
    """A closed date range [start, end]: a standard period, or a custom range."""

    start: date
    end: date
    kind: str

    @classmethod
    def of(cls, period: Period) -> Window:
        return cls(period.start, period.end, period.kind)

    @classmethod
    def containing(cls, kind: str, day: date) -> Window:
        return cls.of(Period.containing(kind, day))

    @classmethod
    def parse(cls, key: str) -> Window:
        """A window from its key; ValueError when it is not one."""
        key = (key or "").strip()
        if ".." in key:
            first, _sep, last = key.partition("..")
            start, end = date.fromisoformat(first), date.fromisoformat(last)
            if end < start or (end - start).days > MAX_CUSTOM_DAYS:
                raise ValueError(key)
            return cls(start, end, "custom")
        period = Period.parse(key)
        if period.kind not in KINDS:
            raise ValueError(key)
        return cls.of(period)

    @property
    def period(self) -> Period | None:
        """The standard period (targets exist for those), None for a custom range."""
        return None if self.kind == "custom" else Period(self.start, self.end, self.kind)

    @property
    def key(self) -> str:
        period = self.period
        return period.key if period else f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def label(self) -> str:
        if self.kind == "custom":
            return _("%(start)s to %(end)s") % {"start": self.start, "end": self.end}
        return self.key

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def weeks(self) -> float:
        return self.days / 7

    def previous(self) -> Window:
        """The window just before, of the same kind (a custom range: of the same length)."""
        period = self.period
        if period is not None:
            return Window.of(period.previous())
        end = self.start - timedelta(days=1)
        return Window(end - timedelta(days=self.days - 1), end, "custom")

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def remaining_from(self, today: date) -> tuple[date, date] | None:
        """The part of the window from today on (None once it is over)."""
        if today > self.end:
            return None
        return max(today, self.start), self.end


def choices(today: date) -> list[tuple[str, list[tuple[str, str]]]]:
    """The period choices offered in the selector, grouped by kind (recent first)."""
    months, quarters, years = [], [], []
    month = Period.containing("month", today).next().next()
    for _i in range(15):
        months.append((month.key, month.key))
        month = month.previous()
    quarter = Period.containing("quarter", today).next()
    for _i in range(7):
        quarters.append((quarter.key, quarter.key))
        quarter = quarter.previous()
    for year in range(today.year, today.year - 3, -1):
        years.append((str(year), str(year)))
    return [(_("Months"), months), (_("Quarters"), quarters), (_("Years"), years)]


# --- units and people within what the viewer can see ----------------------------------------


def led_units(actor: Any) -> QuerySet[OrgUnit]:
    """Active units the actor leads or that lie below those (all units for administrators)."""
    qs = OrgUnit.objects.filter(is_active=True).select_related("leader").order_by("path")
    if actor.scope("sales").everything:
        return qs
    q = Q(pk__in=[])
    for path in led_paths(actor):
        q |= Q(path__startswith=path)
    return qs.filter(q)


def top_unit(actor: Any) -> OrgUnit | None:
    """The highest unit the actor leads (the root for administrators)."""
    return led_units(actor).order_by("depth", "path").first()


def subtree(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The unit and every unit below it."""
    return OrgUnit.objects.filter(path__startswith=unit.path)


def people(actor: Any, unit: OrgUnit | None = None) -> QuerySet[User]:
    """Active sales people whose records the actor sees, in a unit's subtree when given."""
    qs = User.objects.visible_to(actor).filter(is_active=True, position__in=SALES_ROLES)
    scope = actor.scope("sales")
    if not scope.everything:
        qs = qs.filter(scope.q("pk"))
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    return qs.select_related("unit").order_by("unit__path", "display_name", "username")


@dataclass(frozen=True, slots=True)
class Member:
    """A person as a team dashboard lists everyone of its unit (the head count, the
    leaderboard, who is due for coaching): read as values, where a thousand user objects with
    their units cost a company's dashboard ~30 ms more. str() is the name as shown."""

    pk: int
    username: str
    position: str
    unit: str  # the unit's name ("" for none)
    name: str

    def __str__(self) -> str:
        return self.name


def members(actor: Any, unit: OrgUnit | None = None) -> list[Member]:
    """`people(actor, unit)` as Members, in the same order (one query)."""
    rows = people(actor, unit).values_list(
        "pk", "username", "position", "unit__name", "display_name", "first_name", "last_name"
    )
    return [Member(pk, username, position, unit_name or "",
                   shown_name(display, first, last, username))
            for pk, username, position, unit_name, display, first, last in rows]  # fmt: skip


def people_matching(actor: Any, unit: OrgUnit | None, text: str, limit: int) -> list[User]:
    """The people of `people(actor, unit)` whose name contains the text (any case; the name
    as shown, the first or last name, or the username), by name, at most `limit` + 1 (the
    extra one tells "more match"), with their unit. No text, no one."""
    text = text.strip()
    if not text:
        return []
    found = search(people(actor, unit), NAME_FIELDS, text).only("pk", *NAME_FIELDS, "unit__name")
    return list(found.order_by("display_name", "username", "pk")[: limit + 1])


def unit_paths() -> dict[int, str]:
    """Every unit's materialised path (one query; the unit tree is small)."""
    return dict(OrgUnit.objects.values_list("pk", "path"))


@dataclass(frozen=True)
class Lens:
    """Who looks, at which window, and at which unit or person (None: all they can see)."""

    actor: Any
    window: Window
    today: date
    unit: OrgUnit | None = None
    person: User | None = None
    # What the figures of one page share (the unit attribution of a window, a subtree's ids);
    # `replace()` keeps the same dict, so a page computes each once.
    cache: dict[Any, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def query(self, **extra: Any) -> dict[str, Any]:
        """The query-string values that reproduce this lens (for links)."""
        values: dict[str, Any] = {"period": self.window.key}
        if self.unit is not None:
            values["unit"] = self.unit.pk
        if self.person is not None:
            values["person"] = self.person.pk
        values.update({k: v for k, v in extra.items() if v is not None and v != ""})
        return values
