"""The readable side of the results: one table per database and scale in docs/performance.md,
rewritten between markers from bench/results/<db>-<scale>.json (the rest of the page is prose
kept by hand)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

START, END = "<!-- bench-results:start -->", "<!-- bench-results:end -->"
ORDER = {"S": 0, "M": 1, "L": 2, "XS": 3}


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}{unit}" if value < 1000 else f"{value:,.0f}{unit}"
    return f"{value}{unit}"


def _row(r: dict[str, Any]) -> str:
    extra = r.get("extra") or {}
    notes = ", ".join(f"{k} {_fmt(v)}" for k, v in extra.items() if not isinstance(v, dict | list))
    verdict = {True: "✅", False: "❌", None: "–"}[r.get("met")]
    equal = {True: "=", False: "≠", None: ""}[r.get("equal")]
    return (f"| {r['operation']} | {_fmt(r['product_ms'], ' ms')} | {_fmt(r['limit_ms'], ' ms')} "
            f"| {_fmt(r['ratio'])} {equal} | {r['queries']} | {r.get('goal', '')} | {verdict} "
            f"| {notes} |")  # fmt: skip


def table(records: list[dict[str, Any]], load: dict[str, Any] | None) -> str:
    lines = []
    if load:
        lines.append(f"Data load: {load['rows']:,} rows in {load['wall_seconds']} s "
                     f"({load['rows_per_s']:,} rows/s while inserting).\n")  # fmt: skip
    lines += [
        "| operation | product | limit | ratio | queries | goal | met | notes |",
        "|---|---:|---:|---:|---:|---|:-:|---|",
        *(_row(r) for r in records),
    ]
    return "\n".join(lines)


def _results(folder: Path) -> list[tuple[str, str, Path]]:
    found = []
    for path in folder.glob("*.json"):
        m = re.fullmatch(r"(sqlite|postgresql)-(XS|S|M|L)", path.stem)
        if m:
            found.append((m.group(1), m.group(2), path))
    return sorted(found, key=lambda t: (ORDER[t[1]], t[0] != "postgresql"))


def render(folder: Path) -> str:
    parts = []
    for db, scale, path in _results(folder):
        load_path = folder / f"load-{db}-{scale}.json"
        load = json.loads(load_path.read_text()) if load_path.exists() else None
        title = "PostgreSQL" if db == "postgresql" else "SQLite"
        parts.append(f"### Scale {scale}, {title}\n\n{table(json.loads(path.read_text()), load)}\n")
    return "\n".join(parts)


def update_doc(doc: Path, folder: Path) -> None:
    text = doc.read_text() if doc.exists() else f"# Performance\n\n{START}\n{END}\n"
    if START not in text:
        text += f"\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _old, tail = rest.split(END, 1)
    doc.write_text(f"{head}{START}\n{render(folder)}\n{END}{tail}")
