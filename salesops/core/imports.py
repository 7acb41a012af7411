"""Import rows from CSV or Excel: preview, per-row errors naming row and column, all-or-nothing
or skip-bad-rows, and idempotent re-import (a natural key decides update vs create).

An importer subclasses `Importer`, declares its `columns`, and implements `clean_row` (turn one
row of text into values or raise RowError naming the column) and `save_row` (create or update
through the app's services). `run` reads the file, cleans every row, and then — unless it is a
preview — saves inside one transaction: in "all" mode any bad row saves nothing; in "skip"
mode the good rows are saved and the bad ones reported. An importer of large files overrides
`save_rows` to write many rows at once (core.bulk) instead of one `save_row` per row.
"""

from __future__ import annotations

import csv
import functools
import gc
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class RowError(Exception):
    """A problem in one column of one row."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, str(message)


@dataclass
class Column:
    key: str
    label: Any
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass
class ImportProblem:
    row: int  # 1-based line number in the file, header being line 1
    column: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, column %(col)s: %(msg)s") % {
            "row": self.row, "col": self.column, "msg": self.message,
        }  # fmt: skip


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


# One saved row: its line in the file and what happened ("created", "updated", "unchanged"), or
# the ValidationError that refused it.
Outcome = tuple[int, str | ValidationError]

MODES = {"all": gettext_lazy("All or nothing"), "skip": gettext_lazy("Skip bad rows")}


def read_table(upload: Any, filename: str = "") -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, with or without BOM; or GB18030) or .xlsx file as dicts."""
    name = (filename or getattr(upload, "name", "")).lower()
    data = upload.read() if hasattr(upload, "read") else upload
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        rows = [["" if c is None else str(c).strip() for c in row] for row in sheet.iter_rows(
            values_only=True
        )]  # fmt: skip
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
        rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    rows = [row for row in rows if any(row)]
    if not rows:
        return []
    header = rows[0]
    with collector_paused():
        return [dict(zip(header, row + [""] * (len(header) - len(row)), strict=False)) for row in
                rows[1:]]  # fmt: skip


class Importer:
    """Base class of an importer: columns, cleaning of one row, saving of one row."""

    columns: list[Column] = []

    def __init__(self, actor: Any) -> None:
        self.actor = actor

    def map_header(self, row: dict[str, str]) -> dict[str, str]:
        """Column values by key, accepting the key, its label or an alias as header."""
        names = {}
        for col in self.columns:
            for name in (col.key, str(col.label), *col.aliases):
                names[name.strip().lower()] = col.key
        mapped: dict[str, str] = {}
        for header, value in row.items():
            key = names.get((header or "").strip().lower())
            if key:
                mapped[key] = value
        return mapped

    def clean_row(self, values: dict[str, str]) -> dict[str, Any]:
        raise NotImplementedError

    def save_row(self, cleaned: dict[str, Any]) -> str:
        """Create or update one record; return "created", "updated" or "unchanged"."""
        raise NotImplementedError

    def _clean(self, line: int, raw: dict[str, str]) -> tuple[dict[str, Any] | None,
                                                                 list[ImportProblem]]:  # fmt: skip
        values = self.map_header(raw)
        missing = [c for c in self.required if not values.get(c.key)]
        if missing:
            return None, [ImportProblem(line, str(c.label), _("This column is required."))
                          for c in missing]  # fmt: skip
        try:
            return self.clean_row(values), []
        except RowError as exc:
            return None, [ImportProblem(line, self.label_of(exc.column), exc.message)]
        except ValidationError as exc:
            return None, _problems(line, exc, self.label_of)

    @functools.cached_property
    def required(self) -> list[Column]:
        """The columns every row must fill."""
        return [c for c in self.columns if c.required]

    def label_of(self, key: str) -> str:
        return next((str(c.label) for c in self.columns if c.key == key), key)

    def run(self, rows: list[dict[str, str]], *, mode: str = "all",
            preview: bool = False) -> ImportResult:  # fmt: skip
        """Clean every row; save unless previewing (see the module docstring for modes)."""
        result = ImportResult(total=len(rows))
        cleaned: list[tuple[int, dict[str, Any]]] = []
        with collector_paused():
            for index, raw in enumerate(rows, start=2):
                values, problems = self._clean(index, raw)
                result.problems.extend(problems)
                if values is not None:
                    cleaned.append((index, values))
            result.preview = [values for _line, values in cleaned[:20]]
            if preview or (mode == "all" and result.problems):
                result.skipped = len(rows) - len(cleaned) if mode == "skip" else 0
                return result
            self._save_all(cleaned, result, mode)
        return result

    def save_rows(self, cleaned: list[tuple[int, dict[str, Any]]]) -> Iterator[Outcome]:
        """Save the cleaned rows in file order, each in a savepoint; yield each line with
        "created", "updated" or "unchanged", or with the ValidationError that refused it."""
        for line, values in cleaned:
            try:
                with transaction.atomic():
                    outcome: str | ValidationError = self.save_row(values)
            except ValidationError as exc:
                outcome = exc
            yield line, outcome

    def _save_all(self, cleaned: list[tuple[int, dict[str, Any]]], result: ImportResult,
                  mode: str) -> None:  # fmt: skip
        with transaction.atomic():
            for line, outcome in self.save_rows(cleaned):
                if isinstance(outcome, ValidationError):
                    result.problems.extend(_problems(line, outcome, self.label_of))
                    continue
                setattr(result, outcome, getattr(result, outcome) + 1)
            if mode == "all" and result.problems:
                transaction.set_rollback(True)
                result.created = result.updated = result.unchanged = 0
                return
        result.skipped = result.total - result.created - result.updated - result.unchanged
        result.saved = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is imported. An import makes a few
    small dicts and lists per row and keeps them to the end; reference counting frees them, but
    the collector would walk all of them again every few thousand allocations (a fifth of a
    large import). It runs again, as before, when the import is done."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _problems(line: int, exc: ValidationError, label_of: Any) -> list[ImportProblem]:
    if hasattr(exc, "error_dict"):
        return [ImportProblem(line, label_of(f), " ".join(m)) for f, m in exc.message_dict.items()]
    return [ImportProblem(line, "", " ".join(exc.messages))]
