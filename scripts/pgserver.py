"""A PostgreSQL server of our own on loopback: throwaway (the test suite) or kept in a folder
(the benchmarks' data, which takes minutes to generate at scale)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def find_pg_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return candidates[-1].parent if candidates else None


def _free_port() -> int:
    """A loopback port nothing listens on now (the system picks it), so a server started for
    the tests does not collide with another process's port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalPostgres:
    """initdb (once) and start a server in `folder`; stop it on exit, and remove the folder
    unless it is kept. `url` names the database `salesops` (created when missing)."""

    def __init__(self, pg_bin: Path, folder: Path | None = None, port: int | None = None,
                 settings: str = "") -> None:  # fmt: skip
        self.pg_bin = pg_bin
        self.keep = folder is not None
        self.dir = folder or Path(tempfile.mkdtemp(prefix="salesops-pg-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.data = self.dir / "data"
        self.port = port or _free_port()
        self.settings = settings
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres")

    def run(self, *cmd: str) -> None:
        subprocess.run([*self.as_user, *cmd], check=True, stdout=subprocess.DEVNULL)

    def __enter__(self) -> str:
        if not (self.data / "PG_VERSION").exists():
            self.run(str(self.pg_bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                     "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
        opts = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50 "
            + self.settings
        )
        self.run(str(self.pg_bin / "pg_ctl"), "-D", str(self.data), "-o", opts, "-w", "-l",
                 str(self.dir / "log"), "start")  # fmt: skip
        time.sleep(0.5)
        return f"postgres://postgres@127.0.0.1:{self.port}/salesops"

    def __exit__(self, *exc: object) -> None:
        subprocess.run([*self.as_user, str(self.pg_bin / "pg_ctl"), "-D", str(self.data), "-m",
                        "fast", "stop"], check=False, stdout=subprocess.DEVNULL)  # fmt: skip
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
