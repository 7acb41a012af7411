"""On SQLite: the customers' search columns (name, phone, tax number) in an FTS5 table with
the trigram tokenizer, kept by triggers, so that the list's search box and the customer picker
find a text of three characters or more from an index instead of scanning every customer
(`core.textindex`). PostgreSQL has its trigram indexes (0004); nothing changes there.

The table holds no copy of the text (`content='crm_customer'`): only the index. The triggers
keep it exact on every insert, delete and change of those columns, whatever writes them (the
forms, the import's executemany, the bench loader).

A later migration that rebuilds crm_customer on SQLite (Django copies the table to alter a
column) drops these triggers with the old table: it must run this migration's SQL again (the suite's
test_customer_text_index checks that the triggers exist after all migrations).
"""

from django.db import migrations

from salesops.core.migration_sql import VendorSQL

TABLE = "crm_customer_text"
COLUMNS = "name, phone, tax_number"
NEW = "new.name, new.phone, new.tax_number"
OLD = "old.name, old.phone, old.tax_number"
ADD = f"INSERT INTO {TABLE}(rowid, {COLUMNS}) VALUES (new.id, {NEW});"
REMOVE = f"INSERT INTO {TABLE}({TABLE}, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD});"
SQL = [
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5({COLUMNS},"
    " content='crm_customer', content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON crm_customer BEGIN {ADD} END",
    f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON crm_customer BEGIN {REMOVE} END",
    f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF {COLUMNS} ON crm_customer"
    f" BEGIN {REMOVE} {ADD} END",
    f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')",
]

DROP = [
    *(f"DROP TRIGGER {TABLE}_{op}" for op in ("insert", "delete", "update")),
    f"DROP TABLE {TABLE}",
]


class Migration(migrations.Migration):
    dependencies = [("crm", "0006_opportunity_customer_closed_index")]

    operations = [VendorSQL("sqlite", SQL, DROP)]
