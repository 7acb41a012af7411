"""Which unit a record counts for: the unit its owner was in on the record's local date.

The rule: the owner's assignment covering that day — the one that started last when several
do — else the owner's current unit. Evaluated per row in SQL that is a correlated subquery with
a date cast for every record, which costs seconds over a year of a thousand people's deals.
Here the rule is applied once per window instead: the assignment history (small) becomes
*stints* — a person in a unit over a range of local days — and a record set is then filtered
by plain owner ids and date bounds, or grouped by owner (and, for the few people who changed
unit inside the window, by stint) and mapped to units in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any, TypeVar

from django.apps import apps
from django.db.models import IntegerField, Q, QuerySet, Value

from salesops.core import shared_reads
from salesops.targets.span_sql import OnSpans, SpanIndex

ONE_DAY = timedelta(days=1)
T = TypeVar("T")


@dataclass(frozen=True)
class Stint:
    """A person in a unit over local days [first, last]."""

    user: int
    unit: int
    first: date
    last: date


@dataclass
class Stints:
    """Everyone's stints in a window; `moved` are the people with more than one. Built once
    and not changed after: what is worked out from it over everyone is kept on it."""

    start: date
    end: date
    by_user: dict[int, list[Stint]]
    nowhere: list[int]  # people in no unit at all over the window
    _kept: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def moved(self) -> list[int]:
        return [u for u, s in self.by_user.items() if len(s) > 1]

    @cached_property
    def unsteady(self) -> list[int]:
        """People not in one unit over the whole window: they moved, or were in a unit for
        part of it only."""
        return [u for u, s in self.by_user.items()
                if len(s) > 1 or s[0].first > self.start or s[0].last < self.end]  # fmt: skip

    def whole_stint(self, user: int, first: date, last: date) -> int:
        """The index of the user's stint that covers the days first..last (0 for people in no
        unit, as with_stint numbers them; -1 when the days span stints or lie outside them)."""
        found = self.by_user.get(user)
        if not found:
            return 0 if user in self.nowhere else -1
        for i, s in enumerate(found):
            if s.first <= first and s.last >= last:
                return i
        return -1

    @cached_property
    def units(self) -> dict[int, list[int]]:
        """Each person's unit per stint, by the stint's index."""
        return {uid: [s.unit for s in found] for uid, found in self.by_user.items()}

    def unit_of(self, user: int, index: int = 0) -> int | None:
        found = self.units.get(user)
        return found[index] if found and index < len(found) else None

    def kept(self, key: Any, compute: Callable[[], T]) -> T:
        """`compute()` made once for `key`: what a page works out from everyone's stints for
        each of its reads (the same units, the same months) is worked out once."""
        if key not in self._kept:
            self._kept[key] = compute()
        return self._kept[key]  # type: ignore[no-any-return]

    def sides(self, units: set[int]) -> Sides:
        """Who was in `units` over the whole window and who was not."""
        return self.kept(("sides", frozenset(units)), lambda: self._sides(units))

    def _sides(self, units: set[int]) -> Sides:
        whole, other, inside = [], list(self.nowhere), []
        for uid, found in self.by_user.items():
            within = [s for s in found if s.unit in units]
            covers = found[0].first == self.start and found[-1].last == self.end
            if len(within) == len(found) and covers:
                whole.append(uid)
                continue
            other.append(uid)
            inside.extend(within)
        return Sides(whole, other, inside)


@dataclass(frozen=True)
class Sides:
    """Of everyone, for some units over a window: `whole`, the people in them all along;
    `other`, everyone else; `inside`, the stints of those others in the units."""

    whole: list[int]
    other: list[int]
    inside: list[Stint]


def _active(rows: list[tuple[date, date | None, int]], day: date) -> int | None:
    """The unit of the assignment covering `day` that started last (None: none covers it)."""
    best = None
    for start, end, unit in rows:  # sorted by start
        if start <= day and (end is None or end >= day):
            best = unit
    return best


def _user_stints(user: int, rows: list[tuple[date, date | None, int]], current: int | None,
                 start: date, end: date) -> list[Stint]:  # fmt: skip
    if len(rows) <= 1:  # most people: one assignment over the whole window, or none
        s, e, unit = rows[0] if rows else (start, None, current)
        if s <= start and (e is None or e >= end):
            return [] if unit is None else [Stint(user, unit, start, end)]
    cuts = {start}
    for s, e, _u in rows:
        cuts.update(d for d in (s, (e + ONE_DAY) if e else None) if d and start < d <= end)
    points = sorted(cuts)
    found: list[Stint] = []
    for i, first in enumerate(points):
        last = points[i + 1] - ONE_DAY if i + 1 < len(points) else end
        unit = _active(rows, first)
        unit = current if unit is None else unit
        if unit is None:
            continue
        if found and found[-1].unit == unit and found[-1].last + ONE_DAY == first:
            found[-1] = Stint(user, unit, found[-1].first, last)
        else:
            found.append(Stint(user, unit, first, last))
    return found


def stints(start: date, end: date) -> Stints:
    """Every person's stints from `start` to `end` (read once per shared-reads scope, as a
    page's parts all ask for them; the organisation's history under them once for all windows)."""
    return shared_reads.once(("stints", start, end), lambda: _read_stints(start, end))


History = tuple[dict[int, list[tuple[date, date | None, int]]], list[tuple[int, int | None]]]


def history() -> History:
    """Everyone's assignments ({user: [(start, end, unit)] by start}) and everyone's current
    unit [(user, unit)]: two queries, once per shared-reads scope. The history is one row per
    move, small beside the records; a page reading stints of several windows (a quarter, the
    one before, today) reads it once."""
    return shared_reads.once("org history", _read_history)


def _read_history() -> History:
    assignment = apps.get_model("org.Assignment")
    user = apps.get_model("org.User")
    rows: dict[int, list[tuple[date, date | None, int]]] = defaultdict(list)
    for uid, s, e, unit in assignment.objects.order_by("user_id", "start", "pk").values_list(
        "user_id", "start", "end", "unit_id"
    ):
        rows[uid].append((s, e, unit))
    return dict(rows), list(user.objects.order_by("pk").values_list("pk", "unit_id"))


def _read_stints(start: date, end: date) -> Stints:
    rows, users = history()
    by_user, nowhere = {}, []
    for uid, current in users:
        # the assignments over the window (no other can cover its days): most people have one
        mine = [r for r in rows.get(uid, ()) if r[0] <= end and (r[1] is None or r[1] >= start)]
        found = _user_stints(uid, mine, current, start, end)
        if found:
            by_user[uid] = found
        else:
            nowhere.append(uid)
    return Stints(start, end, by_user, nowhere)


def in_units_q(info: Stints, units: set[int], field: str | None, aware: bool) -> Q:
    """Records (owner annotated as kpi_owner, dated by `field`) whose owner was in one of
    `units` on the record's day. Undated records (open deals: `field` None) are placed by a
    one-day window, today. Written with the shorter id list: the people inside, or (for a large
    subtree such as the whole company) everyone but the people outside."""
    sides = info.sides(units)
    whole, other, parts = sides.whole, sides.other, Q(pk__in=[])
    if field is not None and sides.inside:
        spans = [(s.user, s.first, s.last) for s in sides.inside]
        parts = Q(OnSpans("kpi_owner", field, spans, aware))
    if len(other) < len(whole):
        return ~Q(kpi_owner__in=other) | parts if other else Q()
    return Q(kpi_owner__in=whole) | parts


def owners_in_units(info: Stints, units: set[int]) -> list[int]:
    """The people who were in one of `units` at some time in the window: the only owners whose
    records in_units_q can keep."""
    return [uid for uid, found in info.by_user.items() if any(s.unit in units for s in found)]


def with_stint(qs: QuerySet, info: Stints, field: str, aware: bool) -> QuerySet:
    """Annotate kpi_stint: which of the owner's stints the record falls in (0 for people who
    stayed in one unit over the window)."""
    moved = info.moved
    if not moved:
        return qs.annotate(kpi_stint=Value(0, IntegerField()))
    numbered = [(i, (uid, s.first, s.last)) for uid in moved
                for i, s in enumerate(info.by_user[uid])]  # fmt: skip
    return qs.annotate(kpi_stint=SpanIndex("kpi_owner", field, moved, numbered, aware))


def unit_keyed(rows: dict[tuple[Any, ...], dict[str, Any]], info: Stints
               ) -> dict[tuple[Any, ...], dict[str, Any]]:  # fmt: skip
    """Re-key grouped rows from (owner, stint, *rest) to (unit, *rest), the parts (dicts of
    numbers) of rows that land on the same key added up into a copy of the first's."""
    units = info.units
    result: dict[tuple[Any, ...], dict[str, Any]] = {}
    for (owner, stint, *rest), parts in rows.items():
        mine, i = units.get(owner), stint or 0
        key = (mine[i] if mine and i < len(mine) else None, *rest)
        held = result.get(key)
        if held is None:
            result[key] = dict(parts)
        else:
            add_into(held, parts)
    return result


def add_into(held: dict[str, Any], parts: dict[str, Any]) -> None:
    """Add `parts` (a dict of numbers) to `held`, in place."""
    for name, value in parts.items():
        held[name] = held[name] + value if name in held else value
