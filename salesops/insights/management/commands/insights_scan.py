"""`salesops insights_scan`: run the alert rules (new alerts, resolved ones)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from salesops.insights.services.alerts import alert_scan


class Command(BaseCommand):
    help = (
        "Scan every alert rule: open alerts for what is found, resolve those whose cause is gone. "
        "Safe to run twice: a second run creates nothing new."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rule", action="append", dest="rules", help="only this rule code")

    def handle(self, *args: Any, **options: Any) -> None:
        for code, result in alert_scan(codes=options.get("rules")).items():
            self.stdout.write(
                f"{code}: {result.found} found, {result.created} new, {result.resolved} resolved"
            )
