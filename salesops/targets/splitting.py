"""Exact splitting of a target, and the ramp of new hires — pure functions, no queries.

`exact_split` divides a total in proportion to weights in whole steps (a cent for money, one
for counts) by the largest-remainder method, so the parts always add up to the total exactly;
leftover steps go to the largest remainders, ties to the earlier child (a stable order).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from salesops.core.money import CENT
from salesops.core.periods import Period

ONE = Decimal(1)


def step_for(kpi: Any, total: Decimal) -> Decimal:
    """The smallest part of a split: whole units for counts (when the total is whole), else
    a hundredth."""
    if kpi.unit == "count" and total == total.to_integral_value():
        return ONE
    return CENT


def exact_split(total: Decimal, weights: Sequence[Any], step: Decimal = CENT) -> list[Decimal]:
    """Parts of `total` proportional to `weights`, in multiples of `step`, summing to `total`."""
    if not weights:
        raise ValidationError({"children": _("Choose at least one part to split into.")})
    if total == 0:
        return [Decimal("0.00") for _w in weights]
    fractions = [Fraction(str(w)) for w in weights]
    if any(w < 0 for w in fractions):
        raise ValidationError({"weights": _("Weights cannot be negative.")})
    whole = sum(fractions, Fraction(0))
    if whole == 0:
        raise ValidationError({"weights": _("At least one weight must be above zero.")})
    units = Fraction(str(total)) / Fraction(str(step))
    if units.denominator != 1:
        raise ValidationError({"value": _("The total cannot be split in these steps.")})
    raw = [units * w / whole for w in fractions]
    floors = [r.numerator // r.denominator for r in raw]
    left = int(units) - sum(floors)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(f) * step for f in floors]


def onboarding_month(hire_date: date, month_start: date) -> int:
    """Which month of their employment a month is for a person (the hire month is month 1)."""
    return (month_start.year - hire_date.year) * 12 + month_start.month - hire_date.month + 1


def ramp_percent(rules: Sequence[tuple[int, int, int]], month: int) -> int:
    """The percent of a full target in an onboarding month (0 before hire, 100 after the
    rules)."""
    if month < 1:
        return 0
    for first, last, pct in rules:
        if first <= month <= last:
            return pct
    return 100


def ramp_factor(
    hire_date: date | None, period: Period, rules: Sequence[tuple[int, int, int]]
) -> Fraction:
    """A person's share of a full target for a period: the average ramp of its months."""
    if hire_date is None or not rules:
        return Fraction(1)
    months = [Period.containing("month", period.start)] if period.kind == "week" else (
        period.children("month")
    )  # fmt: skip
    pcts = [ramp_percent(rules, onboarding_month(hire_date, m.start)) for m in months]
    return Fraction(sum(pcts), 100 * len(pcts))


def shares(values: Sequence[Decimal]) -> list[str]:
    """Each value's share of their sum, as exact decimal strings (for a target's phasing)."""
    whole = sum(values, Decimal(0))
    if whole == 0:
        return [str(Fraction(1, len(values))) for _ in values]
    return [str(Fraction(v) / Fraction(whole)) for v in values]


def mismatch(parent: Decimal, children: Sequence[Decimal]) -> dict[str, Any]:
    """How the children's sum compares with the parent: short (too little), over, or exact."""
    total = sum(children, Decimal("0.00"))
    diff = total - parent
    state = "exact" if diff == 0 else ("over" if diff > 0 else "short")
    return {"sum": total, "diff": diff, "abs": abs(diff), "state": state}
