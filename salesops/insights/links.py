"""Links from a figure to the list of records behind it (the drill-down page)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

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
    return f"{reverse('insights:drill')}?{urlencode(values)}"


def page(route: str, lens: Lens, **extra: Any) -> str:
    """Another insights page for the same lens."""
    return f"{reverse(route)}?{urlencode(lens.query(**extra))}"
