"""`salesops demo`: create the demo company."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from salesops.core import demo


class Command(BaseCommand):
    help = "Create the demo company (deterministic; Chinese data by default)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--if-empty", action="store_true", help="only if there are no users")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])
        parser.add_argument("--scale", type=float, default=1.0, help="history volume multiplier")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and get_user_model().objects.exists():
            self.stdout.write("The database already has users; no demo data created.")
            return
        context = demo.DemoContext(
            seed=options["seed"], language=options["language"], scale=options["scale"]
        )
        with transaction.atomic():
            demo.run(context)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo company created. Sign in as 'director', 'admin', ... "
                f"with the password '{demo.DEMO_PASSWORD}' (see README)."
            )
        )
