"""Bulk loading into the product's own tables: COPY on PostgreSQL, executemany on SQLite.

Rows arrive as tuples of plain values; dates and datetimes are given as epoch seconds (UTC) or
`date` objects and formatted here the way each database's Django backend stores them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

from django.core.management.color import no_style
from django.db import connection

CHUNK = 20_000


class Loader:
    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        suffix = "+00" if self.vendor == "postgresql" else ""
        self._dt_suffix = suffix

    # --- value formatting ------------------------------------------------------------------
    def dt(self, ts: float | None) -> str | None:
        """A UTC timestamp as the backend stores it."""
        if ts is None:
            return None
        return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d %H:%M:%S") + self._dt_suffix

    @staticmethod
    def day(value: date | None) -> str | None:
        return value.isoformat() if value is not None else None

    @staticmethod
    def js(value: Any) -> str:
        return json.dumps(value)

    # --- loading -----------------------------------------------------------------------------
    def load(self, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
        started = time.perf_counter()
        count = self._copy(table, columns, rows) if self.vendor == "postgresql" else 0
        if self.vendor != "postgresql":
            count = self._insert(table, columns, rows)
        self.counts[table] = self.counts.get(table, 0) + count
        self.seconds[table] = self.seconds.get(table, 0.0) + time.perf_counter() - started
        return count

    def _copy(self, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
        cols = ", ".join(f'"{c}"' for c in columns)
        count = 0
        with connection.cursor() as cur:
            raw = cur.cursor  # the psycopg cursor
            with raw.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        return count

    def _insert(self, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
        cols = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" * len(columns))
        sql = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'
        connection.ensure_connection()
        raw = connection.connection
        count = 0
        iterator: Iterator[tuple[Any, ...]] = iter(rows)
        while chunk := list(islice(iterator, CHUNK)):
            raw.executemany(sql, chunk)
            count += len(chunk)
        return count

    def reset_sequences(self, models: list[Any]) -> None:
        """After explicit ids: make the next id the product assigns follow the loaded ones."""
        statements = connection.ops.sequence_reset_sql(no_style(), models)
        with connection.cursor() as cur:
            for sql in statements:
                cur.execute(sql)

    def report(self) -> dict[str, Any]:
        rows = sum(self.counts.values())
        seconds = sum(self.seconds.values())
        return {
            "rows": rows,
            "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds) if seconds else None,
            "tables": {
                t: {
                    "rows": n,
                    "rows_per_s": round(n / self.seconds[t]) if self.seconds[t] else None,
                }
                for t, n in sorted(self.counts.items())
            },
        }
