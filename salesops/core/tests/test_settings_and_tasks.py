import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from salesops.core.tasks import login_throttle_prune

ROOT = Path(__file__).resolve().parents[3]


def test_production_profile_passes_check_deploy(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "config.settings_production",
           "SECRET_KEY": "x" * 60 + "-production-secret-with-enough-entropy",
           "ALLOWED_HOSTS": "sales.example.com", "SALESOPS_VAR_DIR": str(tmp_path)}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["SALESOPS_VAR_DIR"] = str(tmp_path)
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    cmd = [sys.executable, "-c", f"import django, os; os.environ.setdefault("
           f"'DJANGO_SETTINGS_MODULE','config.settings'); django.setup(); {code}"]  # fmt: skip
    first = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    second = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert first.stdout == second.stdout and len(first.stdout.strip()) > 40
    assert (tmp_path / "secret_key").read_text().strip() == first.stdout.strip()


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions_and_a_large_page_cache() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only setting; this run is on " + connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
        cursor.execute("PRAGMA cache_size")  # KiB when negative: 64 MiB, not the 2 MiB default
        assert cursor.fetchone()[0] == -65536
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert connection.settings_dict["OPTIONS"]["timeout"] == 20
    assert "journal_mode=WAL" in connection.settings_dict["OPTIONS"]["init_command"]


def _database_settings(**env: str) -> str:
    code = ("from django.conf import settings; d = settings.DATABASES['default']; "
            "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])")  # fmt: skip
    cmd = [sys.executable, "-c", f"import django, os; os.environ.setdefault("
           f"'DJANGO_SETTINGS_MODULE','config.settings'); django.setup(); {code}"]  # fmt: skip
    clean = {k: v for k, v in os.environ.items() if k != "DB_CONN_MAX_AGE"}
    result = subprocess.run(cmd, cwd=ROOT, env={**clean, **env}, capture_output=True,
                            text=True, check=True)  # fmt: skip
    return result.stdout.strip()


def test_connections_are_kept_between_requests_unless_configured_not_to() -> None:
    assert _database_settings() == "300 True"
    assert _database_settings(DB_CONN_MAX_AGE="60") == "60 True"
    assert _database_settings(DB_CONN_MAX_AGE="0") == "0 False"


@pytest.mark.django_db(transaction=True)
def test_the_connection_outlives_the_end_of_a_request() -> None:
    """What Django does when a request ends (close_old_connections) keeps the connection (on
    PostgreSQL; the tests' in-memory SQLite database is never closed either way)."""
    from django.db import close_old_connections

    connection.close()  # a fresh connection: one older than its maximum age is closed, rightly
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    first = connection.connection
    close_old_connections()
    assert first is not None and connection.connection is first


@pytest.mark.django_db
def test_tasks_run_through_the_django_tasks_api() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from salesops.core.models import LoginThrottle

    old = timezone.now() - timedelta(days=2)
    LoginThrottle.objects.create(key="user:x", failures=1, window_started_at=old)
    result = login_throttle_prune.enqueue()
    assert result.return_value == 1
    assert not LoginThrottle.objects.exists()
    assert login_throttle_prune.enqueue().return_value == 0


def test_cli_entry_point_wraps_manage_py() -> None:
    cli = Path(sys.executable).parent / "salesops"
    result = subprocess.run([str(cli), "help", "demo"], cwd=ROOT, capture_output=True, text=True,
                            check=False)  # fmt: skip
    assert result.returncode == 0 and "--if-empty" in result.stdout
