"""`salesops insights_learn_limits`: learn the stuck-deal rules' stage limits (nightly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from salesops.insights.services.limits import stage_limits_learn_all


class Command(BaseCommand):
    help = (
        "Learn every active stuck-deal rule's limits from the finished stage stays and store "
        "them, so that the scan reads them instead of ranking every stay. Run it nightly; safe "
        "to run twice: a second run replaces the limits."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for code, count in stage_limits_learn_all().items():
            self.stdout.write(f"{code}: {count} limits learned")
