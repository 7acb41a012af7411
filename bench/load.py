"""The HTTP load test: locust headless (bench/locustfile.py) against gunicorn with several workers
on loopback, bounded in time; role users open dashboards and lists and log activities.

`run()` writes bench/results/load-test-<db>-<scale>.json: the setup, the totals (requests,
failures, requests/s, p50/p95/p99 in ms), the same per request name, the errors locust saw and
the rows the test wrote; it returns 1 when any request failed (the goal is 0 errors).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.scales import Scale
from bench.server import Server

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
WORKERS, THREADS = 4, 2  # gunicorn: 4 processes × 2 threads on this 2-core machine
# scale -> (simulated people, people started per second, seconds of load)
SHAPE = {"XS": (8, 4, 15), "S": (20, 5, 30), "M": (40, 5, 60), "L": (60, 5, 90)}
PERCENTILES = {"p50_ms": "50%", "p95_ms": "95%", "p99_ms": "99%", "max_ms": "100%"}


def plan(period: str, current: str, people: int) -> dict[str, Any]:
    """Who logs in and what they work on: leaders with their unit, reps with their customers."""
    from bench.data import PASSWORD, names
    from salesops.crm.models import Customer
    from salesops.org.models import OrgUnit

    leaders = []
    units = OrgUnit.objects.filter(is_active=True, leader__is_active=True).order_by("depth", "pk")
    for depth in range(4):
        for unit in units.filter(depth=depth).select_related("leader")[: max(1, people // 8)]:
            leaders.append({"username": unit.leader.username, "unit": unit.pk,
                            "managers": depth < 2})  # fmt: skip
    reps = []
    owned = Customer.objects.filter(merged_into__isnull=True, owner__position="rep")
    first = owned.order_by("owner_id").values_list("owner_id", "owner__username").distinct()
    for owner_id, username in first[:people]:
        customers = list(owned.filter(owner_id=owner_id).values_list("pk", flat=True)[:5])
        reps.append({"username": username, "id": owner_id, "customers": customers})
    return {"password": PASSWORD, "period": period, "current": current, "leaders": leaders,
            "reps": reps, "words": names.WORDS[:6]}  # fmt: skip


def locust(base_url: str, plan_path: Path, prefix: Path, shape: tuple[int, int, int]) -> int:
    """Run locust headless against base_url; its exit code (1 when a request failed)."""
    users, rate, seconds = shape
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "-u", str(users), "-r", str(rate), "--run-time", f"{seconds}s", "--stop-timeout", "30",
        "--host", base_url, "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
        "--exit-code-on-error", "1",
    ]  # fmt: skip
    environment = {**os.environ, "BENCH_LOAD_PLAN": str(plan_path)}
    done = subprocess.run(command, cwd=ROOT, env=environment, timeout=seconds + 180, check=False)
    return done.returncode


def _ms(value: str) -> float | None:
    return None if value in ("", "N/A") else float(value)


def stats_row(row: dict[str, str]) -> dict[str, Any]:
    """One line of locust's <prefix>_stats.csv as plain numbers."""
    line: dict[str, Any] = {
        "name": row["Name"],
        "method": row["Type"],
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": round(float(row["Requests/s"]), 2),
    }
    line.update({key: _ms(row[column]) for key, column in PERCENTILES.items()})
    return line


def summary(prefix: Path) -> dict[str, Any]:
    """Totals, per-name lines and errors from the CSV files locust wrote under `prefix`."""
    with Path(f"{prefix}_stats.csv").open(newline="", encoding="utf-8") as handle:
        rows = [stats_row(row) for row in csv.DictReader(handle)]
    total = next(row for row in rows if row["name"] == "Aggregated")
    with Path(f"{prefix}_failures.csv").open(newline="", encoding="utf-8") as handle:
        errors = [
            {"method": r["Method"], "name": r["Name"], "error": r["Error"],
             "occurrences": int(r["Occurrences"])}
            for r in csv.DictReader(handle)
        ]  # fmt: skip
    totals = {key: value for key, value in total.items() if key not in ("name", "method")}
    by_name = [row for row in rows if row["name"] != "Aggregated"]
    return {**totals, "by_name": by_name, "errors": errors}


def _activities() -> int:
    from salesops.crm.models import Activity

    return Activity.objects.count()


def run(db: str, scale: Scale, url: str, write: bool = True) -> int:
    """The load test at `scale` on the database at `url`; 1 when a request failed, else 0."""
    from bench.scales import ANCHOR
    from salesops.core.periods import Period

    shape = SHAPE[scale.name]
    quarter = Period.containing("quarter", ANCHOR)
    people = plan(quarter.previous().key, quarter.key, shape[0])
    before = _activities()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        plan_path = Path(folder) / "plan.json"
        plan_path.write_text(json.dumps(people, ensure_ascii=False), encoding="utf-8")
        with Server(url, workers=WORKERS, threads=THREADS) as base_url:
            code = locust(base_url, plan_path, Path(folder) / "locust", shape)
        result = summary(Path(folder) / "locust")
    result = {"operation": "load test", "scale": scale.name, "db": db,
              "setup": {"users": shape[0], "spawn_rate": shape[1], "run_time_s": shape[2],
                        "workers": WORKERS, "threads": THREADS, "think_time_s": [1, 5],
                        "leaders": len(people["leaders"]), "reps": len(people["reps"])},
              **result, "activities_logged": _activities() - before, "locust_exit": code,
              "goal": "0 errors", "met": result["failures"] == 0 and code == 0}  # fmt: skip
    _print(result)
    if write:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"load-test-{db}-{scale.name}.json"
        path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    return 0 if result["met"] else 1


def _print(result: dict[str, Any]) -> None:
    print(f"load test {result['scale']} {result['db']}: {result['requests']} requests, "
          f"{result['failures']} failed, {result['rps']} req/s, p50 {result['p50_ms']} ms, "
          f"p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms", flush=True)  # fmt: skip
    for line in result["by_name"]:
        print(f"  {line['method']:<5} {line['name']:<22} {line['requests']:>6}  "
              f"failed {line['failures']:<4} p50 {line['p50_ms']}  p95 {line['p95_ms']}  "
              f"p99 {line['p99_ms']}", flush=True)  # fmt: skip
    for error in result["errors"]:
        print(f"  !! {error['occurrences']}× {error['method']} {error['name']}: {error['error']}")
