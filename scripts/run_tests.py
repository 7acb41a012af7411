"""`make test`: static checks, then the suite on SQLite and on a throwaway PostgreSQL server.

Then the benchmark harness once at scale S on SQLite (answers checked, timings not).
Prints one closing line per database ("sqlite: 212 passed") and a total at the end. PostgreSQL
runs when its binaries (initdb, pg_ctl) are found; browser tests run when Chromium is found.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pgserver import LocalPostgres, find_pg_bin

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)")


def step(title: str, *cmd: str, env: dict[str, str] | None = None) -> None:
    print(f"\n== {title}", flush=True)
    result = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, check=False)
    if result.returncode != 0:
        print(f"{title}: failed", flush=True)
        sys.exit(result.returncode)


def pytest_run(label: str, env: dict[str, str], extra: list[str]) -> dict[str, int]:
    print(f"\n== tests on {label}", flush=True)
    cmd = [
        str(BIN / "pytest"),
        "-q",
        "-p",
        "no:randomly",
        "-n",
        os.environ.get("TEST_WORKERS", "2"),
        "--dist",
        "loadfile",
        *extra,
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    last = ""
    assert proc.stdout is not None
    for line in proc.stdout:
        print(line, end="", flush=True)
        if SUMMARY.search(line):
            last = line
    code = proc.wait()
    counts = {
        word.rstrip("s") if word.startswith("error") else word: int(n)
        for n, word in SUMMARY.findall(last)
    }
    counts["exit"] = code
    return counts


def main() -> None:
    extra = sys.argv[1:]
    sqlite_env = {"DATABASE_URL": "", "SALESOPS_VAR_DIR": tempfile.mkdtemp(prefix="salesops-")}
    step("ruff check", str(BIN / "ruff"), "check", ".")
    step("ruff format", str(BIN / "ruff"), "format", "--check", ".")
    step("mypy", str(BIN / "mypy"), ".")
    step("manage.py check", str(BIN / "python"), "manage.py", "check", env=sqlite_env)
    step(
        "makemigrations --check",
        str(BIN / "python"),
        "manage.py",
        "makemigrations",
        "--check",
        "--dry-run",
        env=sqlite_env,
    )
    results = {"sqlite": pytest_run("sqlite", sqlite_env, extra)}
    if not extra:  # a full run: the benchmark harness's smoke pass at scale S (bench/README.md)
        step("bench smoke (scale S, SQLite)", str(BIN / "python"), "-m", "bench", "all",
             "--scale", "S", "--db", "sqlite", "--smoke")  # fmt: skip
    pg_bin = find_pg_bin()
    if pg_bin is None:
        print("\npostgresql: skipped (no initdb/pg_ctl on this machine)")
    else:
        with LocalPostgres(pg_bin) as url:
            results["postgresql"] = pytest_run("postgresql", {"DATABASE_URL": url}, extra)
    print()
    failed = 0
    for label, counts in results.items():
        parts = [
            f"{counts.get(k, 0)} {k}"
            for k in ("passed", "failed", "skipped", "error")
            if counts.get(k) or k == "passed"
        ]
        print(f"{label}: {', '.join(parts)}")
        failed += counts.get("failed", 0) + counts.get("error", 0) + (counts["exit"] != 0)
    passed = sum(c.get("passed", 0) for c in results.values())
    print(f"total: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
