"""CRM background tasks. Run `pool_return` daily (cron: `salesops crm_pool_return`, or enqueue
the task from a scheduler); it is safe to run twice."""

from __future__ import annotations

from django_tasks import task

from salesops.crm.services import accounts_pool


@task()
def pool_return() -> dict[str, int]:
    """Return idle leads and uncontacted prospects to the shared pool; report the counts."""
    return accounts_pool.pool_return()
