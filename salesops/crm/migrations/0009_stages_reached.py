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
column) drops these triggers with the old table and must run this migration's SQL again (the
suite's test_stages_reached checks that the triggers exist after all migrations).
"""

# ruff: noqa: S608 -- the SQL is built from this module's constants only
import django.db.models.deletion
from django.db import migrations, models

from salesops.core.migration_sql import VendorSQL

MAX_BIT = 62
SQLITE_BIT = "(1 << {stage})"
PG_ALL = "bit_or(1::bigint << {stage}::int)"  # the bits of many rows
SQLITE_ALL = "SUM(DISTINCT 1 << {stage})"  # distinct powers of two add up to their OR


def _recomputed(every: str, deal: str) -> str:
    """The bits of a deal's whole history (0 for none); `every` is PG_ALL or SQLITE_ALL."""
    bits = every.format(stage="h.stage_id")
    return (f"COALESCE((SELECT {bits} FROM crm_stagehistory h"
            f" WHERE h.opportunity_id = {deal} AND h.stage_id <= {MAX_BIT}), 0)")  # fmt: skip


POSTGRESQL = [
    f"""CREATE FUNCTION crm_stages_reached_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO crm_stagesreached AS r (opportunity_id, bits)
      SELECT opportunity_id, {PG_ALL.format(stage="stage_id")} FROM added
      WHERE stage_id <= {MAX_BIT} GROUP BY opportunity_id
      ON CONFLICT (opportunity_id) DO UPDATE SET bits = r.bits | EXCLUDED.bits;
      RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION crm_stages_reached_recomputed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' OR OLD.opportunity_id <> NEW.opportunity_id THEN
        UPDATE crm_stagesreached SET bits = {_recomputed(PG_ALL, "OLD.opportunity_id")}
        WHERE opportunity_id = OLD.opportunity_id;
      END IF;
      IF TG_OP = 'UPDATE' THEN
        INSERT INTO crm_stagesreached AS r (opportunity_id, bits)
        VALUES (NEW.opportunity_id, {_recomputed(PG_ALL, "NEW.opportunity_id")})
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
    f" SELECT opportunity_id, {PG_ALL.format(stage='stage_id')} FROM crm_stagehistory"
    f" WHERE stage_id <= {MAX_BIT} GROUP BY opportunity_id",
]
SQLITE_ADD = (
    "INSERT INTO crm_stagesreached (opportunity_id, bits)"
    f" VALUES (NEW.opportunity_id, {_recomputed(SQLITE_ALL, 'NEW.opportunity_id')})"
    " ON CONFLICT (opportunity_id) DO UPDATE SET bits = excluded.bits;"
)
SQLITE_OLD = (
    f"UPDATE crm_stagesreached SET bits = {_recomputed(SQLITE_ALL, 'OLD.opportunity_id')}"
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
    f" SELECT opportunity_id, {SQLITE_ALL.format(stage='stage_id')}"
    f" FROM crm_stagehistory WHERE stage_id <= {MAX_BIT} GROUP BY opportunity_id",
    "ANALYZE crm_stagesreached",  # so that SQLite weighs the new table in joins
]
TRIGGERS = ("insert", "update", "delete")
POSTGRESQL_DROP = [
    *(f"DROP TRIGGER crm_stages_reached_{name} ON crm_stagehistory" for name in TRIGGERS),
    "DROP FUNCTION crm_stages_reached_added()",
    "DROP FUNCTION crm_stages_reached_recomputed()",
]
SQLITE_DROP = [f"DROP TRIGGER crm_stages_reached_{name}" for name in TRIGGERS]


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
        VendorSQL("postgresql", POSTGRESQL, POSTGRESQL_DROP),
        VendorSQL("sqlite", SQLITE, SQLITE_DROP),
    ]
