"""A gunicorn server of the product on loopback for the HTTP benchmarks and the load test:
`with Server(database_url) as base_url: ...` starts it against that database with the bench
settings (DEBUG off), waits until it answers, and stops it on exit. `Browser` is a logged-in
HTTP client of it (the real login form, CSRF, the session cookie kept)."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn config.wsgi with `workers` processes of `threads` threads each."""

    def __init__(self, database_url: str, *, workers: int = 4, threads: int = 1) -> None:
        self.database_url = database_url
        self.workers = workers
        self.threads = threads
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")[1])
        self.process: subprocess.Popen[bytes] | None = None

    def _environment(self) -> dict[str, str]:
        environment = dict(os.environ)
        environment.update(
            DATABASE_URL=self.database_url,
            DJANGO_SETTINGS_MODULE="bench.settings",
            DEBUG="0",
            TASKS_BACKEND="immediate",
            LOG_LEVEL="WARNING",
        )
        return environment

    def __enter__(self) -> str:
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
            "--threads", str(self.threads), "--timeout", "300", "--preload",
            "--error-logfile", str(self.log),
        ]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self._environment(), stdout=log, stderr=log
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.url

    def _wait_ready(self, timeout: float = 90.0) -> None:
        """Until /login/ answers 200; fails with the server's log when it dies or hangs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/login/", timeout=30) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Graceful stop (SIGTERM to the arbiter), killed if it has not exited in 30 s."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.log.unlink(missing_ok=True)

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class Response:
    status: int
    body: str
    ms: float  # wall time of the request, client side (end to end over HTTP)
    queries: int  # database queries the server issued for it (X-Bench-Queries)


class Browser:
    """One person's session on a server: logs in through /login/ and keeps the cookies."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def login(self, username: str, password: str) -> None:
        """Post the login form with its CSRF token; fails unless a session was opened."""
        form = self.get("/login/")
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
        if form.status != 200 or found is None:
            raise RuntimeError(f"login page: HTTP {form.status}, no CSRF token")
        self.post("/login/", {"username": username, "password": password,
                              "csrfmiddlewaretoken": found.group(1)})  # fmt: skip
        if not any(cookie.name == "sessionid" for cookie in self.jar):
            raise RuntimeError(f"{username} could not log in")

    def get(self, path: str) -> Response:
        return self._send(urllib.request.Request(self.base_url + path))

    def post(self, path: str, data: dict[str, str]) -> Response:
        body = urllib.parse.urlencode(data).encode()
        headers = {"Referer": self.base_url + path}
        return self._send(urllib.request.Request(self.base_url + path, body, headers))

    def _send(self, request: urllib.request.Request) -> Response:
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=300) as answer:
                status, headers, body = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as exc:
            status, headers, body = exc.code, exc.headers, exc.read()
        ms = (time.perf_counter() - started) * 1000
        queries = int(headers.get("X-Bench-Queries") or 0)
        return Response(status, body.decode("utf-8", errors="replace"), ms, queries)
