"""htmx helpers: render a page, or only its named fragment for an htmx request."""

from __future__ import annotations

from typing import Any

from django.shortcuts import render


def render_page(
    request: Any, template: str, context: dict[str, Any], partial: str | None = None
) -> Any:
    """Render the whole template, or `template#partial` when htmx asks for a fragment."""
    if partial and getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, f"{template}#{partial}", context)
    return render(request, template, context)
