"""Customers keep only the indexes a query uses, so that every insert (an import of 100k) keeps
six fewer up to date on PostgreSQL and three fewer on SQLite:

- phone and tax number lose their b-tree (and, on PostgreSQL, its `varchar_pattern_ops` twin):
  they are only searched by substring, which the trigram indexes (0004) and SQLite's text index
  (0007) answer; no query compares them whole.
- the name keeps its b-tree (lists sort by name) under its own name, without the pattern twin
  (no query matches the start of a name case-sensitively).
- the owner loses its own index: the (owner, tier) index answers every look-up by owner.

Only the database changes here (the state follows the models); the SQL names the indexes Django
had made, which are the same on both databases. At scale M on PostgreSQL the save of 100k
imported customers took ~1.3 s less (docs/performance.md).
"""

from django.db import migrations, models

from salesops.core.migration_sql import VendorSQL

DROPPED = ["crm_customer_tax_number_9d003a46", "crm_customer_phone_ca391b62",
           "crm_customer_owner_id_cb8a50e2"]  # fmt: skip
PATTERN = ["crm_customer_name_58c9c2eb_like", "crm_customer_tax_number_9d003a46_like",
           "crm_customer_phone_ca391b62_like"]  # fmt: skip
RESTORED = [
    'CREATE INDEX "crm_customer_tax_number_9d003a46" ON "crm_customer" ("tax_number")',
    'CREATE INDEX "crm_customer_phone_ca391b62" ON "crm_customer" ("phone")',
    'CREATE INDEX "crm_customer_owner_id_cb8a50e2" ON "crm_customer" ("owner_id")',
]
PG_PATTERN = [
    f'CREATE INDEX "{name}" ON "crm_customer" ("{column}" varchar_pattern_ops)'
    for name, column in zip(PATTERN, ["name", "tax_number", "phone"], strict=True)
]
PG = [
    *(f'DROP INDEX IF EXISTS "{name}"' for name in DROPPED + PATTERN),
    'ALTER INDEX "crm_customer_name_58c9c2eb" RENAME TO "crm_customer_name_idx"',
]
PG_BACK = [
    'ALTER INDEX "crm_customer_name_idx" RENAME TO "crm_customer_name_58c9c2eb"',
    *RESTORED,
    *PG_PATTERN,
]
SQLITE = [
    *(f'DROP INDEX IF EXISTS "{name}"' for name in DROPPED),
    'DROP INDEX IF EXISTS "crm_customer_name_58c9c2eb"',  # SQLite cannot rename an index
    'CREATE INDEX "crm_customer_name_idx" ON "crm_customer" ("name")',
]
SQLITE_BACK = [
    'DROP INDEX "crm_customer_name_idx"',
    'CREATE INDEX "crm_customer_name_58c9c2eb" ON "crm_customer" ("name")',
    *RESTORED,
]


class Migration(migrations.Migration):
    dependencies = [("crm", "0009_stages_reached")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                VendorSQL("postgresql", PG, PG_BACK),
                VendorSQL("sqlite", SQLITE, SQLITE_BACK),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="name",
                    field=models.CharField(max_length=200, verbose_name="name"),
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="phone",
                    field=models.CharField(blank=True, max_length=30, verbose_name="phone"),
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="tax_number",
                    field=models.CharField(blank=True, max_length=40, verbose_name="tax number"),
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="owner",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="customers",
                        to="org.user",
                        verbose_name="owner",
                    ),
                ),
                migrations.AddIndex(
                    model_name="customer",
                    index=models.Index(fields=["name"], name="crm_customer_name_idx"),
                ),
            ],
        )
    ]
