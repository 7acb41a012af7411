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


COLLECT_PROBE = """
import gc, weakref
import config.wsgi
from django.core.signals import request_finished, request_started

class Node:
    pass

request_started.send(sender=None)
paused = not gc.isenabled()
a, b = Node(), Node()
a.other, b.other = b, a  # a cycle only the collector frees
alive = weakref.ref(a)
del a, b
churn = [[] for _ in range(50_000)]  # enough allocations for a young collection, unpaused
del churn
held = alive() is not None
request_finished.send(sender=None)
print(paused, held, gc.isenabled(), alive() is None)
"""


def test_collection_waits_for_the_response_to_be_sent() -> None:
    """The WSGI application pauses the collector while a request is served and collects the
    young generations once the response is closed: a cycle made during the request is still
    there until then, and freed right after."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run(
        [sys.executable, "-c", COLLECT_PROBE], cwd=ROOT, env=env, capture_output=True,
        text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert out == ["True", "True", "True", "True"]
