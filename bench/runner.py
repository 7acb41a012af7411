"""Run the registered operations for a scale and write the results: bench/results/<db>-<scale>.json
(one record per operation) and the table for that database and scale in docs/performance.md."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench import context, harness, ops
from bench.scales import Scale

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "performance.md"


def save_load(db: str, scale: str, load: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"load-{db}-{scale}.json").write_text(json.dumps(load, indent=1) + "\n")


def run(db: str, scale: Scale, only: str = "", write: bool = True, smoke: bool = False,
        skip: str = "") -> int:  # fmt: skip
    """Measure every operation; returns how many had unequal answers or missed their goal.

    A smoke run (the test suite's) times each operation once and fails only on unequal answers
    or errors: timings there are not measurements."""
    ops.load_all()
    ctx = context.build(scale, db)
    results, bad = [], 0
    for op in harness.REGISTRY:
        if only and not any(part in op.name for part in only.split(",")):
            continue
        if skip and any(part in op.name for part in skip.split(",")):
            continue
        started = time.perf_counter()
        result = harness.measure(replace(op, repeat=1) if smoke else op, ctx, scale.name, db)
        results.append(result)
        missed = result.equal is False or (result.met is False and not smoke)
        flag = "MISSED" if missed else "ok"
        bad += missed
        print(f"{op.name:<52} {result.product_ms:>9.1f} ms  limit {result.limit_ms or 0:>9.1f} ms"
              f"  ×{result.ratio or 0:<5} q={result.queries:<3} {flag}"
              f"  ({time.perf_counter() - started:.0f} s)", flush=True)  # fmt: skip
        if write:  # after every operation: a long run stopped half-way keeps what it measured
            write_results(db, scale.name, [r.as_json() for r in results],
                          merge=bool(only or skip) or len(results) > 1)  # fmt: skip
    return bad


def write_results(db: str, scale: str, records: list[dict[str, Any]], merge: bool = False) -> None:
    """Write one record per operation; a partial run (--only/--skip) replaces the records of
    the operations it measured and keeps the others."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{db}-{scale}.json"
    if merge and path.exists():
        fresh = {r["operation"]: r for r in records}
        kept = json.loads(path.read_text())
        records = [fresh.pop(r["operation"], r) for r in kept] + list(fresh.values())
    path.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n")
    from bench import report

    report.update_doc(DOC, RESULTS)
