"""`salesops insights_digest`: email each person the alerts that reached them since the last."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from salesops.insights.services.digest import alert_digest_send


class Command(BaseCommand):
    help = (
        "Send the daily alert digest by email (the Django email backend). Safe to run twice: "
        "an alert is emailed to a person once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--base-url", default="", help="site address for links, e.g. https://sales.example.com"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = alert_digest_send(base_url=options["base_url"])
        self.stdout.write(f"Digest emails sent: {sent}")
