"""Activity indexes SQLite's planner takes as well as PostgreSQL's.

- Done activities by owner and date (partial, with the kind): a period's done activities of
  some or all people, and per-kind counts, read this index alone. Without it SQLite answered
  "per person and week" through (owner, status) — every done activity the people ever had —
  4-8 s for a thousand people's quarter at scale M, 1 s for a branch of 59; now 0.5 s and
  0.12 s.
- Coaching visits by owner, status and date (replaces owner and date): with the status in the
  index SQLite prefers it to (owner, status) for "last coaching visit per person" (0.9 s for a
  branch at M; now under a millisecond).

SQLite only weighs an index it has statistics for, so the table is analysed here (the same
statement on PostgreSQL refreshes its planner statistics)."""

from django.db import migrations

DONE = "CREATE INDEX kpi_act_done_owner ON crm_activity (owner_id, done_at, kind) WHERE status = 'done'"
COACHING = (
    "CREATE INDEX kpi_act_coaching ON crm_activity (owner_id, status, done_at) WHERE is_coaching"
)
COACHING_BEFORE = (
    "CREATE INDEX kpi_act_coaching ON crm_activity (owner_id, done_at) WHERE is_coaching"
)


class Migration(migrations.Migration):
    dependencies = [("targets", "0004_kpi_activity_indexes")]

    operations = [
        migrations.RunSQL(DONE, "DROP INDEX kpi_act_done_owner"),
        migrations.RunSQL(
            ["DROP INDEX kpi_act_coaching", COACHING],
            ["DROP INDEX kpi_act_coaching", COACHING_BEFORE],
        ),
        migrations.RunSQL("ANALYZE crm_activity", migrations.RunSQL.noop),
    ]
