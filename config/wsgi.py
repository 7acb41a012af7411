"""WSGI entry point (gunicorn config.wsgi).

After the application is built, the process warms up (salesops.core.warmup: the URL resolver,
the translation catalogues and the compiled templates, so its first requests are as fast as
the next ones), and everything loaded at startup (Django, the URLconf, every view it imports,
the templates) is moved out of the garbage collector's reach with `gc.freeze()`: those
objects live as long as the process, and without this every full collection traverses them
again. A dashboard over a thousand people allocates enough to trigger such collections; frozen,
each costs a few milliseconds instead of ~80 ms (measured at scale M, docs/performance.md).

The youngest generation is then collected every 10,000 allocations instead of Python's 700. A
page over a thousand people allocates a few hundred thousand objects that mostly die with the
request; at 700, a company dashboard ran ~200 young and ~20 middle collections, each walking
whatever was alive at that moment (~50 ms of the page in a gunicorn worker); at 10,000, a
handful (~20 ms). Cycles are still collected, a little later, so memory stays bounded.

While a request is served the collector is paused, and once its response has been sent (when
the server closes it: Django's request_finished) the young generations are collected. A
collection during a request walks everything the request holds at that moment: a company
dashboard holds a few hundred thousand rows and parts, and a middle-generation collection
then cost it ~40 ms, in about one request in three. After the response most of that is
already freed by reference counting, and what is left is collected in a few milliseconds that
no one waits for. With threads (`--threads`), the first request to finish turns collection
back on for the others still running.
"""

import gc
import os
from typing import Any

from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application

YOUNG = 10_000  # allocations between collections of the youngest generation (Python: 700)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from salesops.core.warmup import warm  # noqa: E402 - needs the application's settings

warm()
gc.collect()
gc.freeze()
gc.set_threshold(YOUNG, 10, 10)


def pause_collection(**_: Any) -> None:
    gc.disable()


def collect_after_response(**_: Any) -> None:
    gc.enable()
    gc.collect(1)


request_started.connect(pause_collection, dispatch_uid="salesops-gc-pause")
request_finished.connect(collect_after_response, dispatch_uid="salesops-gc-collect")
