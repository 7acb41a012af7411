"""Stints: the assignment history turned into who was in which unit on each day of a window,
by the same rule as the per-row subquery (the covering assignment that started last, else the
person's current unit)."""

from __future__ import annotations

from datetime import date

from salesops.targets.attribution import Stint, _user_stints

START, END = date(2026, 1, 1), date(2026, 3, 31)


def test_one_assignment_over_the_window_is_one_stint() -> None:
    rows = [(date(2024, 5, 1), None, 7)]
    assert _user_stints(1, rows, 7, START, END) == [Stint(1, 7, START, END)]


def test_a_move_mid_window_splits_the_window_at_the_move() -> None:
    rows = [(date(2024, 5, 1), date(2026, 2, 14), 7), (date(2026, 2, 15), None, 9)]
    assert _user_stints(1, rows, 9, START, END) == [
        Stint(1, 7, START, date(2026, 2, 14)),
        Stint(1, 9, date(2026, 2, 15), END),
    ]


def test_days_no_assignment_covers_count_for_the_current_unit() -> None:
    rows = [(date(2026, 2, 1), date(2026, 2, 28), 7)]
    assert _user_stints(1, rows, 9, START, END) == [
        Stint(1, 9, START, date(2026, 1, 31)),
        Stint(1, 7, date(2026, 2, 1), date(2026, 2, 28)),
        Stint(1, 9, date(2026, 3, 1), END),
    ]


def test_overlapping_assignments_the_one_that_started_last_wins() -> None:
    rows = [(date(2025, 1, 1), None, 7), (date(2026, 3, 1), date(2026, 3, 10), 9)]
    assert _user_stints(1, rows, 7, START, END) == [
        Stint(1, 7, START, date(2026, 2, 28)),
        Stint(1, 9, date(2026, 3, 1), date(2026, 3, 10)),
        Stint(1, 7, date(2026, 3, 11), END),
    ]


def test_no_assignment_and_no_unit_is_nowhere() -> None:
    assert _user_stints(1, [], None, START, END) == []
