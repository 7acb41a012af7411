"""ECharts options built from figures, embedded in pages with json_script and drawn by
static/salesops/insights.js. Money stays Decimal here (sent as text; the script reads it as a
number for drawing only). `links[series][point]` makes a bar or slice open its drill-down.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

COLORS = [
    "#206bc4",
    "#4299e1",
    "#2fb344",
    "#f59f00",
    "#d63939",
    "#ae3ec9",
    "#0ca678",
    "#f76707",
    "#74b816",
    "#667382",
]
CATEGORY_COLORS = {
    "commit": "#2fb344",
    "best_case": "#206bc4",
    "pipeline": "#74c0fc",
    "omitted": "#adb5bd",
}


def _base(kind: str = "money") -> dict[str, Any]:
    return {
        "color": COLORS,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "legend": {"top": 0, "type": "scroll"},
        "salesops": {"kind": kind},
    }


def bar(
    categories: Sequence[Any],
    series: Sequence[tuple[Any, Sequence[Any]]],
    *,
    links: Sequence[Sequence[str]] = (),
    stack: bool = False,
    horizontal: bool = False,
    kind: str = "money",
    colors: Sequence[str] = (),
) -> dict[str, Any]:
    """Bars per category, one series per (name, values); stacked or side by side."""
    option = _base(kind)
    cat_axis = {
        "type": "category",
        "data": [str(c) for c in categories],
        "axisLabel": {"interval": 0, "hideOverlap": True},
    }
    value_axis = {"type": "value", "salesops": kind}
    option["xAxis"], option["yAxis"] = (
        (value_axis, cat_axis) if horizontal else (cat_axis, value_axis)
    )
    option["series"] = [
        {
            "name": str(name),
            "type": "bar",
            "data": list(values),
            "barMaxWidth": 42,
            **({"stack": "total"} if stack else {}),
            **({"itemStyle": {"color": colors[i]}} if i < len(colors) else {}),
        }
        for i, (name, values) in enumerate(series)
    ]
    if len(series) == 1:
        option["legend"] = {"show": False}
    return {"option": option, "links": [list(x) for x in links]}


def bar_line(
    categories: Sequence[Any],
    bars: Sequence[tuple[Any, Sequence[Any]]],
    lines: Sequence[tuple[Any, Sequence[Any]]],
    *,
    links: Sequence[Sequence[str]] = (),
    line_kind: str = "percent",
) -> dict[str, Any]:
    """Bars (money) with lines: on a second axis for a percentage or a count, on the same
    axis for money."""
    option = _base("money")
    option["xAxis"] = {"type": "category", "data": [str(c) for c in categories]}
    axis = 0 if line_kind == "money" else 1
    option["yAxis"] = [
        {"type": "value", "salesops": "money"},
        {"type": "value", "salesops": line_kind, "splitLine": {"show": False}},
    ]
    option["series"] = [
        *({"name": str(n), "type": "bar", "data": list(v), "barMaxWidth": 36} for n, v in bars),
        *(
            {
                "name": str(n),
                "type": "line",
                "yAxisIndex": axis,
                "data": list(v),
                "connectNulls": True,
            }
            for n, v in lines
        ),
    ]
    return {"option": option, "links": [list(x) for x in links]}


def funnel(items: Sequence[tuple[Any, Any]], links: Sequence[str] = ()) -> dict[str, Any]:
    """A funnel of (stage, count)."""
    option = _base("count")
    option["tooltip"] = {"trigger": "item"}
    option["legend"] = {"show": False}
    option["series"] = [
        {
            "type": "funnel",
            "sort": "none",
            "left": "10%",
            "width": "80%",
            "top": 8,
            "bottom": 8,
            "minSize": "8%",
            "label": {"show": True, "position": "inside", "formatter": "{b}: {c}"},
            "data": [{"name": str(name), "value": value} for name, value in items],
        }
    ]
    return {"option": option, "links": [list(links)]}


def pie(items: Sequence[tuple[Any, Any]], links: Sequence[str] = ()) -> dict[str, Any]:
    """A ring of (label, value)."""
    option = _base("count")
    option["tooltip"] = {"trigger": "item"}
    option["legend"] = {"bottom": 0, "type": "scroll"}
    option["series"] = [
        {
            "type": "pie",
            "radius": ["40%", "70%"],
            "center": ["50%", "45%"],
            "label": {"formatter": "{d}%"},
            "data": [{"name": str(name), "value": value} for name, value in items],
        }
    ]
    return {"option": option, "links": [list(links)]}


def heatmap(
    columns: Sequence[Any],
    rows: Sequence[Any],
    cells: Sequence[tuple[int, int, int]],
    links: Sequence[str] = (),
) -> dict[str, Any]:
    """Counts on a grid: columns (e.g. weeks) × rows (e.g. people)."""
    top = max((c[2] for c in cells), default=0)
    option = _base("count")
    option["tooltip"] = {"position": "top"}
    option["legend"] = {"show": False}
    option["grid"] = {"left": 8, "right": 16, "top": 8, "bottom": 56, "containLabel": True}
    option["xAxis"] = {
        "type": "category",
        "data": [str(c) for c in columns],
        "splitArea": {"show": True},
    }
    option["yAxis"] = {
        "type": "category",
        "data": [str(r) for r in rows],
        "splitArea": {"show": True},
    }
    option["visualMap"] = {
        "min": 0,
        "max": max(top, 1),
        "calculable": True,
        "orient": "horizontal",
        "left": "center",
        "bottom": 0,
        "itemHeight": 120,
        "inRange": {"color": ["#f1f5f9", "#74c0fc", "#206bc4"]},
    }
    option["series"] = [
        {"type": "heatmap", "data": [list(c) for c in cells], "label": {"show": True}}
    ]
    return {"option": option, "links": [list(links)]}
