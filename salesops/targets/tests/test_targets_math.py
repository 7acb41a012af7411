"""Exact splits, ramps, working days, pacing, projection and status — pure arithmetic, exact
numbers for a fixed "today"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from salesops.core.periods import Period
from salesops.targets.pacing import Clock, attainment, seasonal_fraction, working_days
from salesops.targets.splitting import (
    exact_split,
    mismatch,
    onboarding_month,
    ramp_factor,
    ramp_percent,
    shares,
)

D = Decimal
RULES = [(1, 3, 30), (4, 6, 60), (7, 12, 90)]
MONEY = SimpleNamespace(unit="money", additive=True, higher_is_better=True)
RATE = SimpleNamespace(unit="percent", additive=False, higher_is_better=True)
CYCLE = SimpleNamespace(unit="days", additive=False, higher_is_better=False)


# --- exact split ----------------------------------------------------------------------------


def test_even_split_hands_out_the_leftover_cents_to_the_first_parts() -> None:
    assert exact_split(D("100.00"), [1, 1, 1]) == [D("33.34"), D("33.33"), D("33.33")]
    assert sum(exact_split(D("100.00"), [1, 1, 1])) == D("100.00")


def test_weighted_split_gives_leftovers_to_the_largest_remainders() -> None:
    # 1,000.00 by 1:2:4 → 142.857…, 285.714…, 571.428… cents-wise: remainders .7, .4, .8
    assert exact_split(D("1000.00"), [1, 2, 4]) == [D("142.86"), D("285.71"), D("571.43")]


def test_counts_split_in_whole_units() -> None:
    assert exact_split(D("10"), [1, 1, 1], D(1)) == [D(4), D(3), D(3)]


@pytest.mark.parametrize("total", ["0.01", "0.05", "999999999.99", "12345.67", "7.00"])
@pytest.mark.parametrize(
    "weights", [[1], [3, 1], [0, 1, 1], [D("0.3"), D("0.6"), D("0.9")], [5] * 12, [7, 0, 0, 13]]
)
def test_every_split_adds_up_exactly(total: str, weights: list[object]) -> None:
    parts = exact_split(D(total), weights)
    assert sum(parts) == D(total)
    assert all(p >= 0 for p in parts)
    assert all(p == 0 for p, w in zip(parts, weights, strict=True) if D(str(w)) == 0)


def test_a_split_of_nothing_is_zeros_and_refusals_name_the_field() -> None:
    assert exact_split(D("0.00"), [0, 0]) == [D("0.00"), D("0.00")]
    with pytest.raises(ValidationError) as err:
        exact_split(D("10.00"), [0, 0])
    assert "weights" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        exact_split(D("10.00"), [1, -1])
    assert "weights" in err.value.message_dict


def test_shares_and_mismatch() -> None:
    assert shares([D("25.00"), D("75.00")]) == ["1/4", "3/4"]
    assert mismatch(D("100.00"), [D("40.00"), D("50.00")]) == {
        "sum": D("90.00"),
        "diff": D("-10.00"),
        "abs": D("10.00"),
        "state": "short",
    }
    assert mismatch(D("100.00"), [D("60.00"), D("50.00")])["state"] == "over"
    assert mismatch(D("100.00"), [D("60.00"), D("40.00")])["state"] == "exact"


# --- ramp -----------------------------------------------------------------------------------


def test_onboarding_months_count_from_the_hire_month() -> None:
    assert onboarding_month(date(2026, 3, 20), date(2026, 3, 1)) == 1
    assert onboarding_month(date(2026, 3, 20), date(2026, 5, 1)) == 3
    assert onboarding_month(date(2025, 11, 2), date(2026, 1, 1)) == 3
    assert onboarding_month(date(2026, 3, 20), date(2026, 2, 1)) == 0


def test_ramp_percent_by_stage() -> None:
    assert [ramp_percent(RULES, m) for m in (0, 1, 3, 4, 6, 7, 12, 13)] == [
        0,
        30,
        30,
        60,
        60,
        90,
        90,
        100,
    ]


def test_ramp_factor_averages_the_months_of_the_period() -> None:
    # Hired 2026-02-10: months Feb..Apr 30%, May..Jul 60%, Aug..Dec 90%, January 0%.
    year = Period.parse("2026")
    assert ramp_factor(date(2026, 2, 10), year, RULES) == D(3 * 30 + 3 * 60 + 5 * 90) / 1200
    assert ramp_factor(date(2026, 2, 10), Period.parse("2026-Q2"), RULES) == D(30 + 60 + 60) / 300
    assert ramp_factor(date(2020, 1, 6), year, RULES) == 1
    assert ramp_factor(None, year, RULES) == 1


# --- working days and pacing ------------------------------------------------------------------


def test_working_days_are_monday_to_friday() -> None:
    assert working_days(date(2026, 11, 1), date(2026, 11, 30)) == 21
    assert working_days(date(2026, 1, 1), date(2026, 12, 31)) == 261
    assert working_days(date(2026, 11, 21), date(2026, 11, 22)) == 0  # a weekend
    assert working_days(date(2026, 11, 5), date(2026, 11, 4)) == 0


def test_the_clock_counts_days_before_today_as_elapsed() -> None:
    # November 2026 on Wednesday the 18th: 12 working days before it, 9 from it on.
    assert Clock.of(Period.parse("2026-11"), date(2026, 11, 18)) == Clock(12, 9, 21)
    assert Clock.of(Period.parse("2026-11"), date(2026, 10, 1)) == Clock(0, 21, 21)
    assert Clock.of(Period.parse("2026-11"), date(2026, 12, 1)) == Clock(21, 0, 21)


def test_linear_pacing_projection_and_pace_are_exact() -> None:
    # Given a November target of 21,000.00 and 10,000.00 won by Wednesday 18th
    att = attainment(
        MONEY, D("21000.00"), D("10000.00"), Period.parse("2026-11"), date(2026, 11, 18)
    )
    # then 12 of 21 working days have elapsed: 12,000.00 was expected by today
    assert att.expected_linear == D("12000.00")
    assert att.expected == D("12000.00") and att.expected_seasonal is None
    assert att.pct == D("47.62")
    assert att.ahead == D("-2000.00")
    assert att.gap == D("11000.00")
    # 10,000 / (12/21) = 17,500.00 at this pace; 11,000 over 9 days left = 1,222.22 a day
    assert att.projection == D("17500.00")
    assert att.pace_per_day == D("1222.22")
    # 10,000 / 12,000 = 83% of pace: at risk (80–95%)
    assert att.status == "at_risk"


@pytest.mark.parametrize(
    ("actual", "status"),
    [
        ("11400.00", "on_track"),
        ("11399.99", "at_risk"),
        ("9600.00", "at_risk"),
        ("9599.99", "off_track"),
        ("21000.00", "achieved"),
    ],
)
def test_status_thresholds(actual: str, status: str) -> None:
    att = attainment(MONEY, D("21000.00"), D(actual), Period.parse("2026-11"), date(2026, 11, 18))
    assert att.status == status


def test_seasonal_pacing_follows_the_phasing() -> None:
    # A yearly target phased 10% per month Jan–Aug and 5% per month Sep–Dec.
    phasing = {f"2026-{m:02d}": ("1/10" if m <= 8 else "1/20") for m in range(1, 13)}
    today = date(2026, 11, 18)
    fraction = seasonal_fraction(Period.parse("2026"), today, phasing)
    # Jan–Oct fully (0.8 + 0.1) and 12/21 of November's 5%
    assert fraction == Fraction(9, 10) + Fraction(1, 20) * Fraction(12, 21) == Fraction(13, 14)
    att = attainment(MONEY, D("1000000.00"), D("900000.00"), Period.parse("2026"), today, phasing)
    assert att.expected_seasonal == D("928571.43")
    assert att.expected == att.expected_seasonal
    assert att.expected_linear == D("877394.64")  # 229 of 261 working days
    assert att.projection == D("969230.77")  # 900,000 / (13/14)
    assert att.status == "on_track"  # 96.9% of the seasonal expectation


def test_rates_are_not_paced_and_lower_is_better_inverts() -> None:
    rate = attainment(RATE, D("30.00"), D("27.00"), Period.parse("2026-Q4"), date(2026, 11, 18))
    assert (rate.expected, rate.pct, rate.status, rate.pace_per_day) == (
        D("30.00"),
        D("90.00"),
        "at_risk",
        None,
    )
    cycle = attainment(CYCLE, D("40.00"), D("50.00"), Period.parse("2026-Q4"), date(2026, 11, 18))
    assert (cycle.pct, cycle.status, cycle.gap) == (D("80.00"), "at_risk", D("10.00"))
    fast = attainment(CYCLE, D("40.00"), D("35.00"), Period.parse("2026-Q4"), date(2026, 11, 18))
    assert fast.status == "achieved"


def test_before_the_period_and_without_data() -> None:
    early = attainment(MONEY, D("100.00"), D("0.00"), Period.parse("2027-01"), date(2026, 11, 18))
    assert early.status == "not_started" and early.expected == D("0.00")
    empty = attainment(RATE, D("30.00"), None, Period.parse("2026-Q4"), date(2026, 11, 18))
    assert empty.status == "no_data" and empty.pct is None
