"""Inserting many rows at once for importers, without the ORM's work per value.

The ORM's bulk_create spends most of a large import preparing each value through its field,
which plain text, numbers and ids do not need. `RowStream` takes the rows one at a time while
its caller goes on working: on PostgreSQL they go into one COPY that is sent as it is written,
so the server inserts them and maintains the table's indexes while Python validates the next
rows (two cores busy instead of one after the other); on SQLite they are inserted in batches,
up to thousands of rows per INSERT statement. `insert_rows` is the same for a list.

New ids, when asked for: on PostgreSQL drawn from the table's sequence before the COPY (one
query; ids a caller reserves but does not use are gaps, as a rolled-back insert leaves); on
SQLite the consecutive ones after the table's last (SQLite numbers new rows so, and no one else
may insert while this transaction writes), checked after each batch.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Collection, Sequence
from contextlib import ExitStack
from types import TracebackType
from typing import Any

from django.db import DatabaseError, connection, models
from django.db.models import Model
from django.db.transaction import TransactionManagementError

BATCH = 10_000  # SQLite rows kept before they are inserted
# SQLite rows per INSERT statement, at most: the parameter limit (32,766 by default) is what
# usually decides, e.g. 1,927 rows of a customer's 17 columns. Fewer, larger statements: each
# one costs a parse, and the text index's triggers (crm 0007) flush once per statement (100k
# customers at scale M: ~0.45 s less than with 500 rows per statement).
STATEMENT_ROWS = 5000
PLAIN_FIELDS = (models.CharField, models.TextField, models.ForeignKey, models.BooleanField)


class InsertError(DatabaseError):
    """The database did not number the inserted rows as expected."""


class RowStream:
    """Rows of `model` (values in the order of `columns`, as the model's fields hold them;
    columns named in `raw` as the database stores them, e.g. JSON as text) inserted as they are
    written. Use it as a context manager inside a transaction; `ids` holds the new ids in row
    order after it closes (empty unless `ids`; at most `count` rows when ids are wanted)."""

    def __init__(self, model: type[Model], columns: Sequence[str], *, count: int = 0,
                 ids: bool = True, raw: Collection[str] = ()) -> None:  # fmt: skip
        self.model, self.count, self.want_ids = model, count, ids
        self.fields = [model._meta.get_field(name) for name in columns]
        self.prepare = [None if f.name in raw else _preparer(f) for f in self.fields]
        self.pg = connection.vendor == "postgresql"
        self.ids: list[Any] = []
        self._reserved: list[Any] = []
        self._batch: list[list[Any]] = []
        self._stack = ExitStack()

    def __enter__(self) -> RowStream:
        if not connection.in_atomic_block:
            raise TransactionManagementError("RowStream runs inside a transaction.")
        self._cursor = self._stack.enter_context(connection.cursor())
        if self.pg:
            self._copy = self._stack.enter_context(self._open_copy())
        return self

    def write(self, row: Sequence[Any]) -> None:
        """Insert one row (on SQLite when its batch is full or the stream closes)."""
        values = [p(v) if p else v for p, v in zip(self.prepare, row, strict=True)]
        if not self.pg:
            self._batch.append(values)
            if len(self._batch) == BATCH:
                self._flush()
            return
        if self.want_ids:
            new_id = self._reserved[len(self.ids)]
            self.ids.append(new_id)
            values.insert(0, new_id)
        self._copy.write_row(values)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        try:
            if kind is None and not self.pg:
                self._flush()
        finally:
            self._stack.__exit__(kind, exc, tb)

    def _names(self) -> tuple[str, str, str]:
        """The quoted table, primary key and field column names (the model's own)."""
        quote = connection.ops.quote_name
        pk = quote(self.model._meta.pk.column)  # type: ignore[union-attr]
        names = ", ".join(quote(str(f.column)) for f in self.fields)
        return quote(self.model._meta.db_table), pk, names

    def _open_copy(self) -> Any:
        """A COPY (ids reserved first when wanted). The connection does not block: libpq sends
        what the server takes as rows are written and keeps the rest, so writing a row does not
        wait for the server."""
        table, pk, names = self._names()
        if self.want_ids:
            self._cursor.execute(
                "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq)"
                " SELECT nextval(s.seq) FROM s, generate_series(1, %s)",  # the name read once
                [table, self.model._meta.pk.column, self.count],  # type: ignore[union-attr]
            )
            self._reserved = sorted(r[0] for r in self._cursor.fetchall())
            names = f"{pk}, {names}"
        raw = self._cursor.cursor
        return raw.copy(f"COPY {table} ({names}) FROM STDIN")

    def _flush(self) -> None:
        """SQLite: insert the batch kept so far; its ids follow the table's last."""
        if not self._batch:
            return
        table, pk, names = self._names()
        row = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        cursor, size, per = self._cursor, len(self._batch), _rows_per_statement(len(self.fields))
        for k in range(0, size, per):
            chunk = self._batch[k : k + per]
            values = ", ".join([row] * len(chunk))
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES {values}",  # noqa: S608
                           [v for r in chunk for v in r])  # fmt: skip
        self._batch = []
        if not self.want_ids:
            return
        cursor.execute("SELECT last_insert_rowid()")
        last = cursor.fetchone()[0]
        first = last - size + 1
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {pk} >= %s", [first])  # noqa: S608
        if cursor.fetchone()[0] != size:
            raise InsertError(f"{table}: the new rows are not numbered {first} to {last}.")
        self.ids += range(first, last + 1)


def insert_rows(model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                ids: bool = True, raw: Collection[str] = ()) -> list[Any]:  # fmt: skip
    """Insert many rows of `model` (see RowStream) and return their new ids in row order (none
    when `ids` is false: the database numbers them without the sequence query)."""
    with RowStream(model, columns, count=len(rows), ids=ids, raw=raw) as stream:
        for row in rows:
            stream.write(row)
    return stream.ids


def _rows_per_statement(columns: int) -> int:
    """SQLite rows per INSERT: as many as its limit of parameters allows, up to STATEMENT_ROWS.
    One statement for many rows rather than one per row: a table with triggers that write to a
    full-text index (crm 0007) flushes that index once per statement."""
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(STATEMENT_ROWS, limit // columns))


def _preparer(field: Any) -> Callable[[Any], Any] | None:
    """How a value becomes a query parameter: unchanged for text, ids and booleans; the field's
    own preparation otherwise (remembered for repeated values such as one timestamp)."""
    if type(field) in PLAIN_FIELDS:
        return None
    prepare = functools.partial(field.get_db_prep_save, connection=connection)
    if isinstance(field, models.DateField | models.DateTimeField):
        return functools.lru_cache(maxsize=16)(prepare)
    return prepare
