"""Where the benchmark data lives and how Django is pointed at it.

SQLite: var/bench/<scale>.sqlite3. PostgreSQL: BENCH_DATABASE_URL when set, else a server of our
own kept in var/bench/pg (started for the run and stopped after), one database per scale. The
generated data stays between runs: generating scale M takes minutes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PG_PORT = 55433
# A server sized for this 2-core, 24 GB machine (the data at scale M is a few GB).
PG_SETTINGS = (
    "-c shared_buffers=2GB -c work_mem=64MB -c maintenance_work_mem=1GB -c max_wal_size=8GB "
    "-c effective_cache_size=12GB -c jit=off"
)


@contextmanager
def database(db: str, scale: str) -> Iterator[str]:
    """The database URL for a scale on `db` ("sqlite" or "postgresql"), server started."""
    VAR.mkdir(parents=True, exist_ok=True)
    if db == "sqlite":
        yield f"sqlite:///{VAR / f'{scale.lower()}.sqlite3'}"
        return
    if os.environ.get("BENCH_DATABASE_URL"):
        yield os.environ["BENCH_DATABASE_URL"]
        return
    sys.path.insert(0, str(ROOT / "scripts"))
    from pgserver import LocalPostgres, find_pg_bin

    pg_bin = find_pg_bin()
    if pg_bin is None:
        raise SystemExit("PostgreSQL is not installed (initdb not found).")
    running = _listening(PG_PORT)  # already up (another run, or started by hand): share it
    server: Any = None if running else LocalPostgres(pg_bin, VAR / "pg", PG_PORT, PG_SETTINGS)
    shared = nullcontext(f"postgres://postgres@127.0.0.1:{PG_PORT}/salesops")
    with server or shared as url:
        base = url.rsplit("/", 1)[0]
        _create_database(base, f"bench_{scale.lower()}")
        yield f"{base}/bench_{scale.lower()}"


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _create_database(base: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TASKS_BACKEND", "immediate")
    import django

    django.setup()
