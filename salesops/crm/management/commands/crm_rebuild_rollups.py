"""`salesops crm_rebuild_rollups`: rebuild the tables kept by triggers from their records."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from salesops.crm.services.rollups import trigger_tables_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild every table kept by database triggers from the records: the deals, stays and "
        "activities per local month or day in the site's time zone (TIME_ZONE), the open "
        "deals per owner and stage, the stages each deal has been in and each customer's "
        "first won deal. Run it after changing the time zone (until then reports read the "
        "records themselves, which is slower but exact) or after restoring the tables without "
        "their triggers. Safe to run twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rows = trigger_tables_rebuild()
        self.stdout.write(f"Deals per owner and month: {rows} rows rebuilt.")
