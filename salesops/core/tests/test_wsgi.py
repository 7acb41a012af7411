"""The WSGI entry point warms the process up, freezes what startup loaded, so full
collections skip it, and collects the youngest generation less often than Python does."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PROBE = (
    "import gc, sys; before = gc.get_freeze_count(); import config.wsgi; "
    "print(before, gc.get_freeze_count(), 'config.urls' in sys.modules, "
    "'salesops.insights.views.dashboards' in sys.modules, gc.get_threshold()[0])"
)


def test_wsgi_application_freezes_startup_objects_with_the_views_loaded() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    before, after, urls_loaded, views_loaded, young = int(out[0]), int(out[1]), *out[2:4], out[4]
    assert before == 0
    assert after > 50_000  # Django, the URLconf and the views: far more than a handful
    assert urls_loaded == "True" and views_loaded == "True"
    assert int(young) == 10_000 > gc.get_threshold()[0]  # this process keeps Python's default


def test_warm_up_compiles_every_project_template() -> None:
    from salesops.core.warmup import warm

    templates = list((ROOT / "templates").rglob("*.html"))
    assert len(templates) > 50
    assert warm() == len(templates)  # every template compiles; none is skipped
