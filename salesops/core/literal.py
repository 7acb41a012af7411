"""Constants written into the SQL text, for conditions a partial index already guarantees.

Django passes every value as a query parameter. SQLite chooses a partial index such as
`crm_activity (owner_id, done_at, kind) WHERE status = 'done'` for `status = ?` all the same,
but, not knowing the value when it compiles the statement, it still checks `status = ?` on
every row: one table lookup per activity. Written as `status = 'done'`, the condition is
implied by the index and dropped, and the read stays in the index (a company's quarter of
activities by person and week at scale M: 2.2 s -> 0.5 s). PostgreSQL is unaffected (its driver
sends the values inline). Only for constants from the code, never for user input.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Value


class Literal(Value):
    """A string or integer constant compiled into the SQL instead of a parameter."""

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        value = self.value
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise TypeError(f"Literal takes a str or int constant, not {value!r}")
        if isinstance(value, int):
            return str(value), []
        # Quotes doubled for SQL; % doubled because the statement is %-formatted with its params.
        return "'" + value.replace("'", "''").replace("%", "%%") + "'", []
