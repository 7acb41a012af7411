"""Plans of a split before it is saved: who (or which sub-period) gets what, and why.

Reads only (a few queries, none per child); the services save a plan, the split pages show it
as a preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from salesops.core.money import to_money
from salesops.core.periods import Period
from salesops.org.models import OrgUnit, User
from salesops.org.roles import SALES_ROLES
from salesops.targets import kpis
from salesops.targets.models import RampRule, Target
from salesops.targets.splitting import exact_split, ramp_factor, step_for

ORG_METHODS = ("even", "last_year", "weights", "hand")
TIME_METHODS = ("even", "seasonality", "weights", "hand")
FINER = {"year": ("quarter", "month"), "quarter": ("month",)}


@dataclass
class Owner:
    """A person or a unit a target can belong to, with a stable key ("user:5", "unit:3")."""

    user: User | None = None
    unit: OrgUnit | None = None

    @property
    def key(self) -> str:
        return f"user:{self.user.pk}" if self.user else f"unit:{self.unit.pk}"  # type: ignore[union-attr]

    @property
    def obj(self) -> Any:
        return self.user or self.unit

    def __str__(self) -> str:
        return str(self.obj)


@dataclass
class PlanRow:
    """One part of a split: the owner and period it goes to, its weight, ramp and value."""

    owner: Owner
    period: Period
    weight: Decimal
    ramp_pct: int
    value: Decimal


def ramp_rules() -> list[tuple[int, int, int]]:
    """The administrator-set ramp rules as (from month, to month, percent)."""
    return list(
        RampRule.objects.order_by("from_month").values_list("from_month", "to_month", "percent")
    )


def split_candidates(target: Target) -> list[Owner]:
    """Who a unit's target can be split to: its active sub-units, then its active sales people
    (the unit's leader last: a supervisor often sells too)."""
    unit = target.owner_unit
    if unit is None:
        return []
    units = OrgUnit.objects.filter(parent=unit, is_active=True).order_by("name", "pk")
    people = list(
        User.objects.filter(unit=unit, is_active=True, position__in=SALES_ROLES).order_by(
            "username"
        )
    )
    people.sort(key=lambda p: p.pk == unit.leader_id)
    return [Owner(unit=u) for u in units] + [Owner(user=p) for p in people]


def current_values(target: Target, owners: list[Owner]) -> dict[str, Decimal]:
    """The targets these owners already have for the same KPI and period (one query)."""
    users = [o.user.pk for o in owners if o.user]
    units = [o.unit.pk for o in owners if o.unit]
    rows = Target.objects.filter(kpi_id=target.kpi_id, period_key=target.period_key).filter(
        Q(owner_user_id__in=users) | Q(owner_unit_id__in=units)
    )
    return {
        (f"user:{uid}" if uid else f"unit:{nid}"): value
        for uid, nid, value in rows.values_list("owner_user_id", "owner_unit_id", "value")
    }


def last_year(period: Period) -> Period:
    """The same period a year earlier (52 weeks earlier for a week)."""
    if period.kind == "week":
        return Period.containing("week", period.start - timedelta(weeks=52))
    return Period.containing(period.kind, period.start.replace(year=period.start.year - 1))


def _history(kpi: Any, period: Period, children: list[Owner]) -> dict[str, Decimal]:
    """Last year's actual of each child for the same period a year earlier (two queries)."""
    if kpi.is_manual:
        raise ValidationError({"method": _("A manual KPI has no history to split by.")})
    start, end = last_year(period).start, last_year(period).end
    result: dict[str, Decimal] = {}
    users = [c.user.pk for c in children if c.user]
    if users:
        parts = kpis.evaluate(kpi, start, end, owners=users)
        for c in children:
            if c.user:
                value = kpis.value_of(kpi, parts.get((c.user.pk, "")))
                result[c.key] = value or Decimal(0)
    units = [c.unit for c in children if c.unit]
    if units:
        raw = kpis.evaluate(kpi, start, end, group="unit")
        by_unit = {uid: p for (uid, _b), p in raw.items()}
        paths = dict(OrgUnit.objects.values_list("pk", "path"))
        rolled = kpis.rollup(by_unit, paths, [u.pk for u in units])
        for c in children:
            if c.unit:
                result[c.key] = kpis.value_of(kpi, rolled[c.unit.pk]) or Decimal(0)
    return result


def _given(weights: dict[str, Any], keys: list[str]) -> list[Fraction]:
    try:
        return [Fraction(str(Decimal(str(weights.get(k) or 0)))) for k in keys]
    except (ArithmeticError, ValueError) as exc:
        raise ValidationError({"weights": _("Weights must be numbers.")}) from exc


def _weights(
    target: Target, children: list[Owner], method: str, weights: dict[str, Any]
) -> list[Fraction]:
    if method == "even":
        return [Fraction(1) for _c in children]
    if method == "weights":
        return _given(weights, [c.key for c in children])
    history = _history(target.kpi, target.period, children)
    if not any(history.values()):
        raise ValidationError(
            {"method": _("There are no results last year to split by; choose another method.")}
        )
    return [Fraction(history[c.key]) for c in children]


def _hand(values: dict[str, Any], keys: list[str]) -> list[Decimal]:
    result = []
    for key in keys:
        try:
            value = to_money(values.get(key))
        except ValidationError as exc:
            raise ValidationError({"values": _("Enter a value for every part.")}) from exc
        if value < 0:
            raise ValidationError({"values": _("Values cannot be negative.")})
        result.append(value)
    return result


def org_plan(
    target: Target,
    children: list[Owner],
    method: str,
    weights: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
    apply_ramp: bool = True,
) -> list[PlanRow]:
    """Split a unit's target over sub-units and people (same KPI and period)."""
    if method not in ORG_METHODS:
        raise ValidationError({"method": _("Choose a split method.")})
    if not children:
        raise ValidationError({"children": _("Choose at least one part to split into.")})
    period, kpi = target.period, target.kpi
    rules = ramp_rules() if apply_ramp else []
    ramps = [
        ramp_factor(c.user.hire_date, period, rules) if c.user else Fraction(1) for c in children
    ]
    if not kpi.additive:
        parts = [target.value for _c in children]
        base = [Fraction(1) for _c in children]
    elif method == "hand":
        parts = _hand(values or {}, [c.key for c in children])
        base = [Fraction(p) for p in parts]
    else:
        base = _weights(target, children, method, weights or {})
        scaled = [w * r for w, r in zip(base, ramps, strict=True)]
        parts = exact_split(target.value, scaled, step_for(kpi, target.value))
    return [
        PlanRow(c, period, _dec(w), round(r * 100), v)
        for c, w, r, v in zip(children, base, ramps, parts, strict=True)
    ]


def _dec(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.0001"))


def _seasonality(target: Target, subs: list[Period]) -> list[Fraction]:
    kpi = target.kpi
    if kpi.is_manual:
        raise ValidationError({"method": _("A manual KPI has no history to split by.")})
    start, end = last_year(target.period).start, last_year(target.period).end
    kind = subs[0].kind
    if target.owner_user_id:
        raw = kpis.evaluate(kpi, start, end, owners=[target.owner_user_id], bucket=kind)
        by_key = {b: p for (_o, b), p in raw.items()}
    else:
        raw = kpis.evaluate(kpi, start, end, group="unit", bucket=kind)
        paths = dict(OrgUnit.objects.values_list("pk", "path"))
        path = paths[target.owner_unit_id]  # type: ignore[index]
        by_key = {}
        for (uid, b), p in raw.items():
            if uid in paths and paths[uid].startswith(path):
                by_key[b] = by_key.get(b, kpis.Components()) + p
    keys = [Period.containing(kind, s.start.replace(year=s.start.year - 1)).key for s in subs]
    history = [kpis.value_of(kpi, by_key.get(k)) or Decimal(0) for k in keys]
    if not any(history):
        raise ValidationError(
            {"method": _("There are no results last year to take the seasonality from.")}
        )
    return [Fraction(h) for h in history]


def time_plan(
    target: Target,
    kind: str,
    method: str,
    weights: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
    apply_ramp: bool = True,
) -> list[PlanRow]:
    """Split a target over the quarters or months of its period (same KPI and owner)."""
    if kind not in FINER.get(target.period_kind, ()):
        raise ValidationError({"kind": _("A target can be split into finer periods only.")})
    if method not in TIME_METHODS:
        raise ValidationError({"method": _("Choose a split method.")})
    subs = target.period.children(kind)
    owner = Owner(user=target.owner_user, unit=target.owner_unit)
    rules = ramp_rules() if apply_ramp and target.owner_user else []
    hired = target.owner_user.hire_date if target.owner_user else None
    ramps = [ramp_factor(hired, s, rules) for s in subs]
    keys = [s.key for s in subs]
    if not target.kpi.additive:
        parts = [target.value for _s in subs]
        base = [Fraction(1) for _s in subs]
    elif method == "hand":
        parts = _hand(values or {}, keys)
        base = [Fraction(p) for p in parts]
    else:
        if method == "seasonality":
            base = _seasonality(target, subs)
        elif method == "weights":
            base = _given(weights or {}, keys)
        else:
            base = [Fraction(1) for _s in subs]
        scaled = [w * r for w, r in zip(base, ramps, strict=True)]
        parts = exact_split(target.value, scaled, step_for(target.kpi, target.value))
    return [
        PlanRow(owner, s, _dec(w), round(r * 100), v)
        for s, w, r, v in zip(subs, base, ramps, parts, strict=True)
    ]
