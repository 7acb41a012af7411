"""Insights background tasks, each safe to run twice.

Schedule them with cron or a systemd timer through their management commands:
`salesops insights_scan` (daily, or hourly), `salesops insights_digest` (daily, after the scan),
`salesops insights_learn_limits` (nightly, before the first scan of the day) and
`salesops insights_snapshot` (weekly; a second run in the same week replaces the week's).
"""

from __future__ import annotations

from django_tasks import task

from salesops.insights.services.alerts import alert_scan
from salesops.insights.services.digest import alert_digest_send
from salesops.insights.services.forecast import forecast_snapshot_take
from salesops.insights.services.limits import stage_limits_learn_all


@task()
def alert_scan_task() -> dict[str, int]:
    """Scan every alert rule: new alerts, and resolved ones whose cause is gone."""
    results = alert_scan().values()
    return {
        "found": sum(r.found for r in results),
        "created": sum(r.created for r in results),
        "resolved": sum(r.resolved for r in results),
    }


@task()
def alert_digest_task() -> int:
    """Email each person their new alerts; returns the number of emails sent."""
    return alert_digest_send()


@task()
def stage_limits_learn_task() -> dict[str, int]:
    """Learn the stuck-deal rules' stage limits; returns how many each rule stored."""
    return stage_limits_learn_all()


@task()
def forecast_snapshot_task() -> int:
    """Keep this week's forecast of the current month and the next two."""
    return forecast_snapshot_take()
