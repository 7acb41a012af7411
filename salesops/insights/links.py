"""Links from a figure to the list of records behind it (the drill-down page)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse

from salesops.insights.lens import Lens


def drill(lens: Lens, metric: str, **extra: Any) -> str:
    """The drill-down URL of a figure for a lens (extra: unit, person, stage, category, ...)."""
    values = lens.query(metric=metric)
    for key, value in extra.items():
        if value is None or value == "":
            values.pop(key, None)
        else:
            values[key] = value
    if extra.get("person"):
        values.pop("unit", None)
    return f"{path_of('insights:drill')}?{urlencode(values)}"


def page(route: str, lens: Lens, **extra: Any) -> str:
    """Another insights page for the same lens."""
    return f"{path_of(route)}?{urlencode(lens.query(**extra))}"


def path_of(route: str) -> str:
    """reverse(route) of a route without arguments, kept for the URLconf and script prefix in
    use: a page links its figures to the drill-down up to ~170 times, at ~30 µs a reverse."""
    return _path(route, get_script_prefix(), get_resolver(get_urlconf()))


@lru_cache(maxsize=256)
def _path(route: str, _prefix: str, _resolver: Any) -> str:
    return reverse(route)
