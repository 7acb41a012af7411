"""Partial indexes for the KPI and dashboard queries over activities: done activities by date
(with the owner, so a quarter's count or per-person volume reads the index alone) and coaching
visits by owner and date (the "last coaching" of a team). Same SQL on SQLite and PostgreSQL."""

from django.db import migrations

INDEXES = [
    ("kpi_act_done", "crm_activity (done_at, owner_id) WHERE status = 'done'"),
    ("kpi_act_coaching", "crm_activity (owner_id, done_at) WHERE is_coaching"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0003_kpi_options"),
        ("crm", "0004_list_indexes"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE INDEX {name} ON {spec}", f"DROP INDEX {name}")
        for name, spec in INDEXES
    ]
