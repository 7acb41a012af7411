"""Settings for the gunicorn servers the benchmarks start: the product's settings, unchanged,
plus the bench-only routes (plain views to compare the API with) and a header carrying the
number of queries each request issued (the page benchmarks report it)."""

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.urls.QueryCountMiddleware", *MIDDLEWARE]
