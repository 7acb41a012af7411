"""Raw SQL that a migration runs on one database only: an index or trigger that one of the
two supported databases needs and the other does not have or does differently.

    VendorSQL("sqlite", [CREATE_INDEX, "ANALYZE crm_opportunity"], ["DROP INDEX ..."])

Each statement is run as given (a list is never split, so trigger bodies with semicolons are
safe). Migrations import this, so keep it stable.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


class VendorSQL(migrations.RunSQL):
    """RunSQL on `vendor` ("postgresql" or "sqlite") only; reversible with `reverse_sql`."""

    def __init__(self, vendor: str, sql: Any, reverse_sql: Any = migrations.RunSQL.noop,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(sql, reverse_sql, **kwargs)
        self.vendor = vendor

    def deconstruct(self) -> Any:
        name, args, kwargs = super().deconstruct()
        return name, args, {"vendor": self.vendor, **kwargs}

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any,
                          to_state: Any) -> None:  # fmt: skip
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any,
                           to_state: Any) -> None:  # fmt: skip
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)
