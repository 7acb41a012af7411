"""Attainment arithmetic: working days, expected-to-date, status, gap, projection and pace.

Pure functions of (KPI, target, actual, period, today, phasing) — no queries — so every number
is exact and testable for a fixed "today". Working days are Monday to Friday (no holiday
calendar). Elapsed working days are those before today; today and the rest are remaining.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext_lazy as _

from salesops.core.money import CENT
from salesops.core.periods import Period

# Status thresholds, as a share of the expected-to-date value (see docs/targets.md).
ON_TRACK = Fraction(95, 100)
AT_RISK = Fraction(80, 100)
# A target more than this multiple of the owner's best past result is flagged as a stretch.
STRETCH = Decimal("1.5")

STATUS_LABELS = {
    "achieved": _("Achieved"),
    "on_track": _("On track"),
    "at_risk": _("At risk"),
    "off_track": _("Off track"),
    "not_started": _("Not started"),
    "no_data": _("No data"),
}
STATUS_COLORS = {
    "achieved": "green",
    "on_track": "teal",
    "at_risk": "yellow",
    "off_track": "red",
    "not_started": "secondary",
    "no_data": "secondary",
}


def working_days(start: date, end: date) -> int:
    """Monday–Friday days from `start` to `end` inclusive (0 when end < start)."""
    if end < start:
        return 0
    days = (end - start).days + 1
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(rest):
        if (start + timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


@dataclass(frozen=True)
class Clock:
    """Working days of a period as seen on `today`: elapsed (before today), remaining, total."""

    elapsed: int
    remaining: int
    total: int

    @classmethod
    def of(cls, period: Period, today: date) -> Clock:
        return _clock(period, today)

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.elapsed, self.total) if self.total else Fraction(1)


@lru_cache(maxsize=4096)
def _clock(period: Period, today: date) -> Clock:
    """A period's clock (cached: a page computes the same few periods for every target)."""
    total = working_days(period.start, period.end)
    elapsed = working_days(period.start, min(today - timedelta(days=1), period.end))
    return Clock(elapsed, total - elapsed, total)


def seasonal_fraction(period: Period, today: date, phasing: dict[str, Any]) -> Fraction | None:
    """Share of the target expected by today under the phasing {sub-period key: share}: the
    shares of the sub-periods already over, plus the running one's by its working days."""
    if not phasing:
        return None
    return _seasonal(tuple(phasing.items()), today)


@lru_cache(maxsize=4096)
def _seasonal(shares: tuple[tuple[str, Any], ...], today: date) -> Fraction:
    """The expected share for these (sub-period key, share) pairs (cached: many targets share
    one phasing)."""
    done = Fraction(0)
    for key, share in shares:
        sub = Period.parse(key)
        weight = Fraction(str(share))
        if sub.end < today:
            done += weight
        elif sub.start < today:
            done += weight * Clock.of(sub, today).fraction
    return min(done, Fraction(1))


def _q(value: Fraction | Decimal) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Attainment:
    """Where an owner stands against a target on a day."""

    target: Decimal
    actual: Decimal | None
    pct: Decimal | None
    expected_linear: Decimal
    expected_seasonal: Decimal | None
    expected: Decimal
    status: str
    gap: Decimal | None
    ahead: Decimal | None
    projection: Decimal | None
    pace_per_day: Decimal | None
    clock: Clock

    @property
    def status_label(self) -> Any:
        return STATUS_LABELS[self.status]

    @property
    def color(self) -> str:
        return STATUS_COLORS[self.status]

    @property
    def bar(self) -> int:
        """The attainment for a progress bar, 0–100."""
        return int(max(Decimal(0), min(self.pct or Decimal(0), Decimal(100))))


def _ratio_status(ratio: Fraction, reached: bool) -> str:
    if reached:
        return "achieved"
    if ratio >= ON_TRACK:
        return "on_track"
    return "at_risk" if ratio >= AT_RISK else "off_track"


def _status(kpi: Any, target: Decimal, actual: Decimal | None, expected: Decimal) -> str:
    if actual is None:
        return "no_data"
    if kpi.higher_is_better:
        reached = actual >= target
        ratio = Fraction(actual) / Fraction(expected) if expected > 0 else Fraction(1)
    else:
        reached = actual <= target
        ratio = Fraction(expected) / Fraction(actual) if actual > 0 else Fraction(1)
    return _ratio_status(ratio, reached)


def _pct(kpi: Any, target: Decimal, actual: Decimal | None) -> Decimal | None:
    if actual is None:
        return None
    if kpi.higher_is_better:
        return _q(Fraction(actual) * 100 / Fraction(target)) if target > 0 else None
    return _q(Fraction(target) * 100 / Fraction(actual)) if actual > 0 else None


def attainment(
    kpi: Any,
    target: Decimal,
    actual: Decimal | None,
    period: Period,
    today: date,
    phasing: dict[str, Any] | None = None,
) -> Attainment:
    """Attainment %, expected-to-date, status, gap, projection and pace for one target."""
    clock = Clock.of(period, today)
    seasonal = seasonal_fraction(period, today, phasing or {}) if kpi.additive else None
    linear = clock.fraction if kpi.additive else Fraction(1)
    expected_linear = _q(target * Decimal(linear.numerator) / Decimal(linear.denominator))
    expected_seasonal = None if seasonal is None else _q(Fraction(target) * seasonal)
    expected = expected_seasonal if expected_seasonal is not None else expected_linear
    used = seasonal if seasonal is not None else linear
    status = "not_started" if today < period.start else _status(kpi, target, actual, expected)
    gap = ahead = projection = pace = None
    if actual is not None:
        gap = target - actual if kpi.higher_is_better else actual - target
        ahead = actual - expected if kpi.higher_is_better else expected - actual
        if kpi.additive and used > 0:
            projection = _q(Fraction(actual) / used)
        elif not kpi.additive:
            projection = actual
        if kpi.additive and kpi.higher_is_better and clock.remaining:
            pace = _q(Fraction(max(gap, Decimal(0))) / clock.remaining)
    return Attainment(
        target=target,
        actual=actual,
        pct=_pct(kpi, target, actual),
        expected_linear=expected_linear,
        expected_seasonal=expected_seasonal,
        expected=expected,
        status=status,
        gap=gap,
        ahead=ahead,
        projection=projection,
        pace_per_day=pace,
        clock=clock,
    )
