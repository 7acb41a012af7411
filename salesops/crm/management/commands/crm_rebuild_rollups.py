"""`salesops crm_rebuild_rollups`: rebuild the deals' monthly rollup in the site's time zone."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from salesops.crm.services.rollups import deal_months_rebuild


class Command(BaseCommand):
    help = (
        "Place every deal again in its local month of the site's time zone (TIME_ZONE). Run it "
        "after changing the time zone: until then reports read the deals themselves, which is "
        "slower but exact. Safe to run twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rows = deal_months_rebuild()
        self.stdout.write(f"Deals per owner and month: {rows} rows rebuilt.")
