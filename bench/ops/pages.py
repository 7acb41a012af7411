"""Pages end to end over HTTP, and the API against a plain Django view running the same query.

One gunicorn server (bench/server.py, the bench settings: every product route plus the plain
views of bench/urls.py) is started on loopback for the run at the first operation here and
stopped at exit. Each role user logs in once through the real login form. A page operation is
one GET, timed client side; the harness repeats it and keeps p50 (product_ms), p95 and p99; the
page must answer 200 with its marker in the body, else the run stops. The server's query count
for the page comes back in a response header.

An API operation runs a fixed number of GETs from a few concurrent clients against the API
endpoint (the product) and against a plain view with the same visible queryset, filters and page
size (the limit); both must return the same first page, and the API must keep at least 60 % of
the plain view's requests/s.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any
from urllib.parse import urlencode

from bench import harness
from bench.data import PASSWORD
from bench.server import Browser, Response, Server
from salesops.core.periods import Period

REPEAT = 20  # requests per page after the warm-up one
WORKERS = 4  # gunicorn workers of the shared server (2 cores: requests queue, as in production)
API_REQUESTS = 120  # per burst, spread over API_CLIENTS concurrent clients
API_CLIENTS = 4
API_REPEAT = 5
SEARCH = "华辰"  # a word in about one customer name in 36 (bench/data/names.py)


def browser(ctx: Any, username: str) -> Browser:
    """A logged-in session of `username` on the run's server (started on first use)."""
    http = ctx.cache.get("http")
    if http is None:
        running = ExitStack()
        url = running.enter_context(Server(os.environ["DATABASE_URL"], workers=WORKERS))
        atexit.register(running.close)
        http = ctx.cache["http"] = {"url": url, "users": {}}
    if username not in http["users"]:
        session = Browser(http["url"])
        session.login(username, PASSWORD)
        http["users"][username] = session
    return http["users"][username]  # type: ignore[no-any-return]


def _checked(response: Response, path: str, marker: str) -> Response:
    """The response, when it is the page asked for (200 and its marker); else stop the run."""
    if response.status != 200 or f'data-testid="{marker}"' not in response.body:
        raise RuntimeError(f"GET {path}: HTTP {response.status}, marker {marker!r} missing")
    return response


def _page_op(name: str, username: str, path: Callable[[Any], str], marker: str) -> harness.Op:
    """A page opened by `username`: the answer is what is checked and reported with it."""

    def fetch(ctx: Any) -> dict[str, Any]:
        url = path(ctx)
        response = _checked(browser(ctx, username).get(url), url, marker)
        return {"status": response.status, "queries": response.queries, "url": url,
                "user": username, "bytes": len(response.body.encode())}  # fmt: skip

    return harness.Op(f"page: {name}", "pages", fetch, goal=harness.PAGE, repeat=REPEAT,
                      extra=lambda ctx, answer: dict(answer))  # fmt: skip


def _q(ctx: Any, **params: Any) -> str:
    return "?" + urlencode({"period": ctx.quarter.key, **params})


def _unit(ctx: Any, role: str) -> int:
    return int(ctx.units[role].pk)


def _current_quarter(ctx: Any) -> str:
    return str(Period.containing("quarter", ctx.anchor).key)


PAGES = [
    _page_op("director managers, company", "director",
             lambda c: "/insights/managers/" + _q(c), "managers-table"),
    _page_op("director team dashboard, company", "director",
             lambda c: "/insights/team/" + _q(c), "team-figures"),
    _page_op("manager team dashboard, branch", "mgr1",
             lambda c: "/insights/team/" + _q(c, unit=_unit(c, "manager")), "team-figures"),
    _page_op("rep dashboard", "rep1", lambda c: "/insights/" + _q(c), "rep-figures"),
    _page_op("funnel, region", "sm1",
             lambda c: "/insights/funnel/" + _q(c, unit=_unit(c, "senior_manager")),
             "stage-table"),
    _page_op("funnel, company", "director", lambda c: "/insights/funnel/" + _q(c), "stage-table"),
    _page_op("forecast, branch (current quarter)", "mgr1",
             lambda c: "/insights/forecast/?" + urlencode(
                 {"period": _current_quarter(c), "unit": _unit(c, "manager")}),
             "forecast-figures"),
    _page_op("team attainment, company", "director",
             lambda c: "/targets/team/" + _q(c), "team-table"),
    _page_op("opportunity list, open by amount", "mgr1",
             lambda c: "/crm/opportunities/?status=&sort=-amount&tier=key", "opportunities"),
    _page_op("customer search", "director",
             lambda c: "/crm/customers/?" + urlencode({"q": SEARCH}), "customer-table"),
    _page_op("alerts inbox, team", "mgr1",
             lambda c: "/insights/alerts/?box=team&state=all", "alert-table"),
]  # fmt: skip


# --- API against a plain view --------------------------------------------------------------------


def _burst(ctx: Any, username: str, path: str) -> dict[str, Any]:
    """API_REQUESTS GETs of `path` from API_CLIENTS threads sharing one session; every answer
    must be 200. Returns the first page (ids and total count) of the first answer."""
    session = browser(ctx, username)
    left = iter(range(API_REQUESTS))
    lock = threading.Lock()
    failures: list[str] = []
    first: list[Response] = []

    def client() -> None:
        while True:
            with lock:
                if next(left, None) is None:
                    return
            response = session.get(path)
            with lock:
                if not first:
                    first.append(response)
                if response.status != 200:
                    failures.append(f"HTTP {response.status}")

    threads = [threading.Thread(target=client) for _i in range(API_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"GET {path}: {len(failures)} failed requests ({failures[0]})")
    body = json.loads(first[0].body)
    return {"ids": [item["id"] for item in body["items"]], "count": body["count"]}


def _api_op(name: str, username: str, api: str, plain: str) -> harness.Op:
    """The API endpoint `api` (product) against the plain view `plain` (limit), same query."""

    def extra(ctx: Any, product: dict[str, Any]) -> dict[str, Any]:
        one = browser(ctx, username).get(api)
        return {"requests": API_REQUESTS, "clients": API_CLIENTS, "workers": WORKERS,
                "api": api, "plain": plain, "user": username, "queries": one.queries}  # fmt: skip

    return harness.Op(
        f"api vs plain view: {name}", "pages",
        lambda ctx: _burst(ctx, username, api),
        limit=lambda ctx: _burst(ctx, username, plain),
        goal=harness.API_SHARE, repeat=API_REPEAT, extra=extra,
    )  # fmt: skip


APIS = [
    _api_op("opportunities, open", "mgr1", "/api/v1/crm/opportunities?status=open",
            "/bench/plain/opportunities/?status=open"),
    _api_op("customers, search", "director", "/api/v1/crm/customers?" + urlencode({"q": SEARCH}),
            "/bench/plain/customers/?" + urlencode({"q": SEARCH})),
]  # fmt: skip

harness.register(*PAGES, *APIS)
