"""`salesops crm_pool_return`: return idle leads and uncontacted prospects to the shared pool."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from salesops.crm.services.accounts_pool import pool_return


class Command(BaseCommand):
    help = (
        "Return to the shared pool the leads with no follow-up and the prospects with no contact "
        "within the days set in the pool rules. Safe to run twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = pool_return()
        self.stdout.write(
            f"Returned to the pool: {counts['leads']} leads, {counts['customers']} customers."
        )
