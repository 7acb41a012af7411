"""CSV export: streamed in pieces of rows (memory stays flat), the same bytes as one csv.writer
pass, formula-like cells neutralised, times in the current time zone."""

from __future__ import annotations

import csv
import io
import zoneinfo
from datetime import UTC, date, datetime
from decimal import Decimal

from django.utils import timezone

from salesops.core.exports import CHUNK_ROWS, csv_lines, csv_response, safe_cell


def test_rows_come_in_pieces_and_read_back_as_one_file() -> None:
    rows = [(f"Firm {n}", n, Decimal("1.50")) for n in range(2 * CHUNK_ROWS + 1)]
    pieces = list(csv_lines(["Name", "No.", "Amount"], iter(rows)))
    assert len(pieces) == 3
    expected = io.StringIO()
    expected.write("\ufeff")
    csv.writer(expected).writerows([["Name", "No.", "Amount"], *rows])
    assert "".join(pieces) == expected.getvalue()


def test_an_empty_list_is_its_header() -> None:
    response = csv_response("empty", ["Name"], [])
    assert b"".join(response.streaming_content).decode() == "\ufeffName\r\n"
    assert response["Content-Disposition"] == 'attachment; filename="empty.csv"'


def test_cells_are_safe_for_spreadsheets() -> None:
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    at = datetime(2026, 1, 31, 20, 5, tzinfo=UTC)
    assert [safe_cell(v) for v in ("=SUM(A1)", "+86 21", "plain", None, True, 3)] == [
        "'=SUM(A1)", "'+86 21", "plain", "", "1", 3,
    ]  # fmt: skip
    assert safe_cell(at, shanghai) == "2026-02-01 04:05"
    assert safe_cell(date(2026, 2, 1)) == "2026-02-01"
    with timezone.override(shanghai):
        assert "".join(csv_lines(["When"], [(at,)])).splitlines()[1] == "2026-02-01 04:05"
