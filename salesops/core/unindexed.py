"""A column that SQLite does not read from an index, to sort by or to filter on.

SQLite chooses how to sort with no statistics on how the filtered rows spread over the sort
column. Given `WHERE stage_id IN (<open stages>) ORDER BY expected_close LIMIT 50` it walks the
expected-close index from its oldest date and checks every deal's stage, taking 5 of 7 stages
for 5 of 7 deals; but open deals are the ones expected to close latest, so it reads nearly all
the closed ones first (a director's list of open deals at scale M: 3.7 s). Sorting by
`+expected_close` (SQLite's unary plus returns its operand unchanged) stops it from using the
index for the order: it reads the open deals by their stage and keeps the first page while
sorting them (10 ms). Filtering a team's won deals by `+stage_id IN (...)` likewise keeps it
from seeking the (owner, stage) index and looking every deal up in the table: it reads the
covering index by owner and close (`crm.selectors.sales.of_stage_kind`). PostgreSQL gets the
plain column.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Func


class Unindexed(Func):
    """A column or expression, written as `+x` on SQLite so that no index is used for it."""

    template = "%(expressions)s"
    arity = 1

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra)
