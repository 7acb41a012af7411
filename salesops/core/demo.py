"""The demo company generator: composable steps that each app adds to.

An app registers a step with `@demo_step(order)`; `salesops demo` runs them in order with one
shared `DemoContext` (a seeded random generator and what earlier steps made), so the data is
the same every run for the same seed and language.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

DEMO_PASSWORD = "salesops-demo"

_STEPS: list[tuple[int, str, Callable[[DemoContext], None]]] = []


@dataclass
class DemoContext:
    """What the steps share: the random source, the language, 'today', and what was made."""

    seed: int = 2026
    language: str = "zh-hans"
    today: date = field(default_factory=date.today)
    scale: float = 1.0
    made: dict[str, Any] = field(default_factory=dict)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    @property
    def chinese(self) -> bool:
        return self.language.startswith("zh")


def demo_step(order: int) -> Callable[[Callable[[DemoContext], None]], Callable[..., None]]:
    """Register a demo step; steps run in ascending order."""

    def wrap(func: Callable[[DemoContext], None]) -> Callable[[DemoContext], None]:
        _STEPS.append((order, f"{func.__module__}.{func.__name__}", func))
        return func

    return wrap


def steps() -> list[tuple[int, str, Callable[[DemoContext], None]]]:
    """The registered steps in the order they run (imports every app's demo module)."""
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("salesops."):
            try:
                import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
    return sorted(set(_STEPS), key=lambda step: (step[0], step[1]))


def run(context: DemoContext) -> DemoContext:
    """Run every step with one context."""
    for _order, _name, func in steps():
        func(context)
    return context
