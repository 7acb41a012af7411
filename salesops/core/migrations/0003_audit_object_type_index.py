"""Audit entries lose the index of the object type alone (and, on PostgreSQL, its
`varchar_pattern_ops` twin): the (object type, object id) index answers every query by type.
Each import writes one entry per new record, so this is two indexes fewer to keep per row.
Only the database changes here; the index names are the ones Django had made."""

from django.db import migrations, models

from salesops.core.migration_sql import VendorSQL

NAME = "core_auditentry_object_type_fca61eb3"
CREATE = f'CREATE INDEX "{NAME}" ON "core_auditentry" ("object_type")'
PG_PATTERN = f'CREATE INDEX "{NAME}_like" ON "core_auditentry" ("object_type" varchar_pattern_ops)'


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                VendorSQL(
                    "postgresql",
                    [f'DROP INDEX IF EXISTS "{NAME}"', f'DROP INDEX IF EXISTS "{NAME}_like"'],
                    [CREATE, PG_PATTERN],
                ),
                VendorSQL("sqlite", [f'DROP INDEX IF EXISTS "{NAME}"'], [CREATE]),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="object_type",
                    field=models.CharField(max_length=100, verbose_name="object type"),
                ),
            ],
        )
    ]
