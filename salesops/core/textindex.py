"""Substring search from an SQLite full-text index (FTS5 with the trigram tokenizer).

PostgreSQL answers the lists' `icontains` search from trigram indexes (crm migration 0004).
SQLite has no such index and scanned every row; a model that declares a `TextIndex` has its
searched columns copied, by triggers, into an FTS5 table whose trigram tokenizer finds the
rows containing a text of three characters or more from the index (crm migration 0007 for
customers). The index only narrows: it folds case over all of Unicode where LIKE folds ASCII
only, so it may find a few more rows, and the ordinary `icontains` filter still decides. The
answer is exactly what the scan gave. A text of one or two characters has no trigram, so it
is still a scan (which the index cannot make faster).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

TRIGRAM = 3


@dataclass(frozen=True)
class TextIndex:
    """An FTS5 trigram table (`table`) over some text columns of a model's table, rowid = pk."""

    table: str
    columns: tuple[str, ...]

    def narrow(self, qs: QuerySet, fields: Sequence[str], text: str) -> QuerySet:
        """`qs` limited to the rows whose `fields` may contain `text`, when the index can tell
        (SQLite, the fields indexed, three characters or more); otherwise `qs` unchanged."""
        usable = len(text) >= TRIGRAM and set(fields) <= set(self.columns)
        if not usable or connections[qs.db].vendor != "sqlite":
            return qs
        phrase = '"' + text.replace('"', '""') + '"'
        match = "{" + " ".join(fields) + "} : " + phrase
        # the table is the model's own constant; the typed text is a parameter
        sql = f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH %s"  # noqa: S608
        rows = RawSQL(sql, [match])  # noqa: S611
        return qs.filter(pk__in=rows)
