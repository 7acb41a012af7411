"""Export any list as CSV or Excel. Cells that a spreadsheet would run as a formula
(starting with = + - @, or a tab / carriage return) are neutralised with a leading quote."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any, tz: Any = None) -> Any:
    """A value safe to put in a spreadsheet cell (numbers stay numbers); times in `tz`, by
    default the current time zone."""
    if type(value) is str:  # the common case first: a list's text
        return "'" + value if value.startswith(FORMULA_START) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return (
            timezone.localtime(value, tz).strftime("%Y-%m-%d %H:%M")
            if timezone.is_aware(value)
            else value.strftime("%Y-%m-%d %H:%M")
        )
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


CHUNK_ROWS = 500  # rows per piece of a streamed CSV: one write per piece, not per row


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """A UTF-8 CSV (with a BOM so Excel reads Chinese correctly) in pieces of CHUNK_ROWS rows,
    read from `rows` as it goes: memory stays flat however long the list."""
    out = io.StringIO()
    writer = csv.writer(out)
    tz = timezone.get_current_timezone()
    out.write("\ufeff")
    writer.writerow([str(h) for h in header])
    for n, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(v, tz) for v in row])
        if n % CHUNK_ROWS == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def csv_response(filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Any:
    """Stream rows as a UTF-8 CSV file."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Any:
    """Rows as an Excel workbook (write-only mode, so memory stays flat for large lists)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([str(h) for h in header])
    tz = timezone.get_current_timezone()
    for row in rows:
        sheet.append([safe_cell(v, tz) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def export_response(fmt: str, filename: str, header: Sequence[Any], rows: Iterable[Any]) -> Any:
    """CSV for fmt "csv", Excel for "xlsx"."""
    if fmt == "xlsx":
        return xlsx_response(filename, header, rows)
    return csv_response(filename, header, rows)
