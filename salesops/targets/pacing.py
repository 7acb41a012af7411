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


@lru_cache(maxsize=4096)
def _pace(
    period: Period, today: date, additive: bool, shares: tuple[tuple[str, Any], ...]
) -> tuple[Clock, Fraction, Fraction | None]:
    """What a target's attainment needs of its period on a day, computed once for all the
    targets that share it (cached): the clock, the share expected at an even pace (all of it for
    rates and averages), and the share expected under the phasing `shares` (None without)."""
    clock = _clock(period, today)
    if not additive:
        return clock, Fraction(1), None
    return clock, clock.fraction, _seasonal(shares, today) if shares else None


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _div(numerator: int, denominator: int) -> Decimal:
    """numerator / denominator to the cent (half up). Integers rather than Fractions: a page
    computes a thousand attainments, and Decimal division is correctly rounded, so any
    integers with the same ratio give the same result as the reduced fraction."""
    return (Decimal(numerator) / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def _share_of(part: Decimal, whole: Decimal) -> tuple[int, int]:
    """part / whole as exact integers (numerator, denominator), for whole > 0."""
    pn, pd = part.as_integer_ratio()
    wn, wd = whole.as_integer_ratio()
    return pn * wd, pd * wn


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


def _status(higher: bool, target: Decimal, actual: Decimal | None, expected: Decimal) -> str:
    """Achieved, else on track / at risk / off track by the share of the expected pace reached
    (actual ÷ expected; expected ÷ actual when lower is better; 100 % when that is undefined)."""
    if actual is None:
        return "no_data"
    if higher:
        reached, part, whole = actual >= target, actual, expected
    else:
        reached, part, whole = actual <= target, expected, actual
    if reached:
        return "achieved"
    if whole <= 0:
        return "on_track"
    n, d = _share_of(part, whole)  # compared with the thresholds cross-multiplied, exactly
    if n * ON_TRACK.denominator >= ON_TRACK.numerator * d:
        return "on_track"
    return "at_risk" if n * AT_RISK.denominator >= AT_RISK.numerator * d else "off_track"


def _pct(higher: bool, target: Decimal, actual: Decimal | None) -> Decimal | None:
    if actual is None:
        return None
    if higher:
        return _percent(actual, target) if target > 0 else None
    return _percent(target, actual) if actual > 0 else None


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    """100 × part / whole to the cent, exactly (see _div)."""
    n, d = _share_of(part, whole)
    return _div(100 * n, d)


def _times(value: Decimal, share: Fraction) -> Decimal:
    """value × share to the cent, exactly."""
    n, d = value.as_integer_ratio()
    return _div(n * share.numerator, d * share.denominator)


def _over(value: Decimal, share: Fraction) -> Decimal:
    """value ÷ share (share > 0) to the cent, exactly."""
    n, d = value.as_integer_ratio()
    return _div(n * share.denominator, d * share.numerator)


def attainment(
    kpi: Any,
    target: Decimal,
    actual: Decimal | None,
    period: Period,
    today: date,
    phasing: dict[str, Any] | None = None,
) -> Attainment:
    """Attainment %, expected-to-date, status, gap, projection and pace for one target."""
    additive, higher = kpi.additive, kpi.higher_is_better
    shares = tuple(phasing.items()) if additive and phasing else ()
    clock, linear, seasonal = _pace(period, today, additive, shares)
    expected_linear = _q(target * Decimal(linear.numerator) / Decimal(linear.denominator))
    expected_seasonal = None if seasonal is None else _times(target, seasonal)
    expected = expected_seasonal if expected_seasonal is not None else expected_linear
    used = seasonal if seasonal is not None else linear
    status = "not_started" if today < period.start else _status(higher, target, actual, expected)
    gap = ahead = projection = pace = None
    if actual is not None:
        gap = target - actual if higher else actual - target
        ahead = actual - expected if higher else expected - actual
        if additive and used > 0:
            projection = _over(actual, used)
        elif not additive:
            projection = actual
        if additive and higher and clock.remaining:
            gn, gd = max(gap, Decimal(0)).as_integer_ratio()
            pace = _div(gn, gd * clock.remaining)
    return Attainment(
        target=target,
        actual=actual,
        pct=_pct(higher, target, actual),
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
