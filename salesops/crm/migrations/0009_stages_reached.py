"""Every stage a deal has been in, as bits (crm.StagesReached), kept by triggers on the stage
history so that it is exact whoever writes the history: the services, the admin, imports and
bulk loaders (COPY included). The funnel's "deals that reached a stage" is then a bit test per
deal instead of a search of each deal's history (a company quarter at scale M on PostgreSQL:
~670 ms for the correlated subquery).

PostgreSQL: new history rows are added per statement from the statement's transition table (one
set-based upsert for a COPY of millions); a row whose deal or stage changes, and deleted rows,
have their deals' bits recomputed from the history. SQLite: the same per row. Stage ids above
StagesReached.MAX_BIT get no bit; the funnel then reads the history instead.

A later migration that rebuilds crm_stagehistory on SQLite (Django copies the table to alter a
column) drops these triggers with the old table and must run `create` again (the suite's
test_stages_reached checks that the triggers exist after all migrations).
"""

# ruff: noqa: S608 -- the SQL is built from this module's constants only
from typing import Any

import django.db.models.deletion
from django.db import migrations, models

MAX_BIT = 62
PG_BIT = "(1::bigint << {stage}::int)"
SQLITE_BIT = "(1 << {stage})"


def _recomputed(bit: str, deal: str) -> str:
    """The bits of a deal's whole history (0 for none)."""
    stage = bit.format(stage="h.stage_id")
    total = "bit_or" if "bigint" in bit else "SUM(DISTINCT"
    close = ")" if "bigint" in bit else "))"
    return (f"COALESCE((SELECT {total}({stage}{close} FROM crm_stagehistory h"
            f" WHERE h.opportunity_id = {deal} AND h.stage_id <= {MAX_BIT}), 0)")  # fmt: skip


POSTGRESQL = [
    f"""CREATE FUNCTION crm_stages_reached_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO crm_stagesreached AS r (opportunity_id, bits)
      SELECT opportunity_id, bit_or({PG_BIT.format(stage="stage_id")}) FROM added
      WHERE stage_id <= {MAX_BIT} GROUP BY opportunity_id
      ON CONFLICT (opportunity_id) DO UPDATE SET bits = r.bits | EXCLUDED.bits;
      RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION crm_stages_reached_recomputed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' OR OLD.opportunity_id <> NEW.opportunity_id THEN
        UPDATE crm_stagesreached SET bits = {_recomputed(PG_BIT, "OLD.opportunity_id")}
        WHERE opportunity_id = OLD.opportunity_id;
      END IF;
      IF TG_OP = 'UPDATE' THEN
        INSERT INTO crm_stagesreached AS r (opportunity_id, bits)
        VALUES (NEW.opportunity_id, {_recomputed(PG_BIT, "NEW.opportunity_id")})
        ON CONFLICT (opportunity_id) DO UPDATE SET bits = EXCLUDED.bits;
      END IF;
      RETURN NULL;
    END $$""",
    "CREATE TRIGGER crm_stages_reached_insert AFTER INSERT ON crm_stagehistory"
    " REFERENCING NEW TABLE AS added FOR EACH STATEMENT"
    " EXECUTE FUNCTION crm_stages_reached_added()",
    "CREATE TRIGGER crm_stages_reached_update AFTER UPDATE OF stage_id, opportunity_id"
    " ON crm_stagehistory FOR EACH ROW EXECUTE FUNCTION crm_stages_reached_recomputed()",
    "CREATE TRIGGER crm_stages_reached_delete AFTER DELETE ON crm_stagehistory"
    " FOR EACH ROW EXECUTE FUNCTION crm_stages_reached_recomputed()",
    "INSERT INTO crm_stagesreached (opportunity_id, bits)"
    f" SELECT opportunity_id, bit_or({PG_BIT.format(stage='stage_id')}) FROM crm_stagehistory"
    f" WHERE stage_id <= {MAX_BIT} GROUP BY opportunity_id",
]
SQLITE_ADD = (
    "INSERT INTO crm_stagesreached (opportunity_id, bits)"
    f" VALUES (NEW.opportunity_id, {_recomputed(SQLITE_BIT, 'NEW.opportunity_id')})"
    " ON CONFLICT (opportunity_id) DO UPDATE SET bits = excluded.bits;"
)
SQLITE_OLD = (
    f"UPDATE crm_stagesreached SET bits = {_recomputed(SQLITE_BIT, 'OLD.opportunity_id')}"
    " WHERE opportunity_id = OLD.opportunity_id;"
)
SQLITE = [
    "CREATE TRIGGER crm_stages_reached_insert AFTER INSERT ON crm_stagehistory"
    f" WHEN NEW.stage_id <= {MAX_BIT} BEGIN"
    " INSERT INTO crm_stagesreached (opportunity_id, bits)"
    f" VALUES (NEW.opportunity_id, {SQLITE_BIT.format(stage='NEW.stage_id')})"
    " ON CONFLICT (opportunity_id) DO UPDATE SET bits = bits | excluded.bits; END",
    "CREATE TRIGGER crm_stages_reached_update AFTER UPDATE OF stage_id, opportunity_id"
    f" ON crm_stagehistory BEGIN {SQLITE_OLD} {SQLITE_ADD} END",
    "CREATE TRIGGER crm_stages_reached_delete AFTER DELETE ON crm_stagehistory"
    f" BEGIN {SQLITE_OLD} END",
    "INSERT INTO crm_stagesreached (opportunity_id, bits)"
    f" SELECT opportunity_id, SUM(DISTINCT {SQLITE_BIT.format(stage='stage_id')})"
    f" FROM crm_stagehistory WHERE stage_id <= {MAX_BIT} GROUP BY opportunity_id",
    "ANALYZE crm_stagesreached",  # so that SQLite weighs the new table in joins
]
TRIGGERS = ("insert", "update", "delete")


def create(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for sql in POSTGRESQL if vendor == "postgresql" else SQLITE:
        schema_editor.execute(sql)


def drop(apps: Any, schema_editor: Any) -> None:
    for name in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER crm_stages_reached_{name} ON crm_stagehistory"
                              if schema_editor.connection.vendor == "postgresql"
                              else f"DROP TRIGGER crm_stages_reached_{name}")  # fmt: skip
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION crm_stages_reached_added()")
        schema_editor.execute("DROP FUNCTION crm_stages_reached_recomputed()")


class Migration(migrations.Migration):
    dependencies = [("crm", "0008_stay_stage_left_index")]

    operations = [
        migrations.CreateModel(
            name="StagesReached",
            fields=[
                (
                    "opportunity",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="stages_reached",
                        serialize=False,
                        to="crm.opportunity",
                    ),
                ),
                ("bits", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "stages reached",
                "verbose_name_plural": "stages reached",
            },
        ),
        migrations.RunPython(create, drop, hints={"schema": True}),
    ]
