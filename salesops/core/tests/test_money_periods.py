from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from salesops.core.money import MoneyField, to_money
from salesops.core.periods import Period, between


def test_to_money_keeps_two_places_and_refuses_rounding() -> None:
    assert to_money("1234.5") == Decimal("1234.50")
    assert to_money(Decimal("0.1") + Decimal("0.2")) == Decimal("0.30")
    with pytest.raises(ValidationError) as exc:
        to_money("1.005")
    assert exc.value.code == "precision"
    for bad in ("abc", "NaN", "Infinity", ""):
        with pytest.raises(ValidationError):
            to_money(bad)


def test_money_field_stores_minor_units_and_reads_decimal() -> None:
    field = MoneyField()
    assert field.get_prep_value(Decimal("19.99")) == 1999
    assert field.get_prep_value("-0.01") == -1
    assert field.from_db_value(1999, None, None) == Decimal("19.99")
    assert field.from_db_value(Decimal("123456789012"), None, None) == Decimal("1234567890.12")
    assert field.from_db_value(None, None, None) is None


@pytest.mark.parametrize(
    ("key", "start", "end"),
    [
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-W47", date(2026, 11, 16), date(2026, 11, 22)),
    ],
)
def test_period_parse_and_key_round_trip(key: str, start: date, end: date) -> None:
    period = Period.parse(key)
    assert (period.start, period.end, period.key) == (start, end, key)


def test_period_children_navigation_and_pacing() -> None:
    year = Period.parse("2026")
    assert [p.key for p in year.children("quarter")] == ["2026-Q1", "2026-Q2", "2026-Q3",
                                                         "2026-Q4"]  # fmt: skip
    assert len(year.children("month")) == 12
    assert Period.parse("2026-12").next().key == "2027-01"
    assert Period.parse("2026-Q1").previous().key == "2025-Q4"
    month = Period.parse("2026-11")
    assert month.elapsed_fraction(date(2026, 11, 15)) == pytest.approx(15 / 30)
    assert month.elapsed_fraction(date(2026, 10, 1)) == 0.0
    assert month.elapsed_fraction(date(2027, 1, 1)) == 1.0


def test_period_parse_rejects_nonsense() -> None:
    for bad in ("2026-13", "2026-Q5", "26", "last month"):
        with pytest.raises(ValueError):
            Period.parse(bad)


def test_periods_between_are_computed_once_and_each_caller_gets_its_own_list() -> None:
    first = between("month", date(2026, 1, 15), date(2026, 3, 2))
    assert [p.key for p in first] == ["2026-01", "2026-02", "2026-03"]
    first.append(Period.parse("2030-01"))  # a caller changing its list changes no other
    again = between("month", date(2026, 1, 15), date(2026, 3, 2))
    assert [p.key for p in again] == ["2026-01", "2026-02", "2026-03"]
    assert again[0] is first[0]  # the periods themselves are kept
    assert Period.parse("2026-Q2") is Period.parse("2026-Q2")  # parsed keys are kept too
