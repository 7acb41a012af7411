"""`salesops insights_snapshot`: keep this week's forecast (for forecast accuracy)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from salesops.insights.services.forecast import forecast_snapshot_take


class Command(BaseCommand):
    help = (
        "Take the weekly forecast snapshot of the current month and the next two. Safe to run "
        "twice: a second run in the same week replaces that week's snapshot."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rows = forecast_snapshot_take()
        self.stdout.write(f"Forecast snapshot rows written: {rows}")
