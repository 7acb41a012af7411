"""The benchmarked operations, one module per group; each registers its `harness.Op`s."""

from __future__ import annotations

from importlib import import_module

MODULES = ["reports", "alerts", "lists", "io", "pages"]


def load_all() -> None:
    from bench import harness

    if harness.REGISTRY:
        return
    for name in MODULES:
        try:
            import_module(f"bench.ops.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.ops.{name}":
                raise
