"""WSGI entry point (gunicorn config.wsgi).

After the application is built, the process warms up (salesops.core.warmup: the URL resolver,
the translation catalogues and the compiled templates, so its first requests are as fast as
the next ones), and everything loaded at startup (Django, the URLconf, every view it imports,
the templates) is moved out of the garbage collector's reach with `gc.freeze()`: those
objects live as long as the process, and without this every full collection traverses them
again. A dashboard over a thousand people allocates enough to trigger such collections; frozen,
each costs a few milliseconds instead of ~80 ms (measured at scale M, docs/performance.md).
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from salesops.core.warmup import warm  # noqa: E402 - needs the application's settings

warm()
gc.collect()
gc.freeze()
