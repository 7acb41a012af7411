"""Measuring one operation: the product's code path beside the best hand-written SQL for the
same answer. Answers must be equal; the ratio product/limit and the product's query count are
recorded, and each operation is checked against its target from the issue."""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from salesops.core.imports import collector_paused


@dataclass(frozen=True)
class Goal:
    """What "fast enough" means for an operation.

    ratio: product_ms <= factor × limit_ms + slack_ms (factor per database);
    ms: product_ms <= ms (per database); rate: rows_per_s >= rate;
    p95: the 95th percentile of the product's runs <= ms (per database);
    share: the product's requests/s >= rate × the limit's (both run the same number of
    requests, so limit_ms / product_ms); none: reported only.
    """

    kind: str = "ratio"
    factor: dict[str, float] = field(default_factory=lambda: {"postgresql": 1.5, "sqlite": 2.0})
    slack_ms: float = 20.0
    ms: dict[str, float] = field(default_factory=dict)
    rate: float = 0.0

    def describe(self, db: str) -> str:
        if self.kind == "ratio":
            return f"≤ {self.factor[db]:g}× limit + {self.slack_ms:g} ms"
        if self.kind == "ms" and db in self.ms:  # a goal for some databases only
            return f"≤ {self.ms[db]:g} ms"
        if self.kind == "rate":
            return f"≥ {self.rate:,.0f} rows/s"
        if self.kind == "p95":
            return f"p95 ≤ {self.ms[db]:g} ms"
        if self.kind == "share":
            return f"≥ {self.rate:.0%} of the limit's requests/s"
        return "reported"

    def met(self, r: Result) -> bool | None:
        if self.kind == "ratio" and r.limit_ms is not None:
            return r.product_ms <= self.factor[r.db] * r.limit_ms + self.slack_ms
        if self.kind == "ms" and r.db in self.ms:
            return r.product_ms <= self.ms[r.db]
        if self.kind == "rate":
            return (r.extra.get("rows_per_s") or 0) >= self.rate
        if self.kind == "p95" and r.db in self.ms:
            return bool(r.extra["p95_ms"] <= self.ms[r.db])
        if self.kind == "share" and r.limit_ms:
            return r.limit_ms / r.product_ms >= self.rate
        return None


REPORT = Goal()
LIST = Goal(kind="ms", ms={"postgresql": 25, "sqlite": 25})
SEARCH = Goal(kind="ms", ms={"postgresql": 50, "sqlite": 50})
ALERT_SCAN = Goal(factor={"postgresql": 2.0, "sqlite": 2.0}, slack_ms=0)
ALERT_RULE = Goal(kind="ms", ms={"postgresql": 500})
PAGE = Goal(kind="p95", ms={"postgresql": 300, "sqlite": 1000})
API_SHARE = Goal(kind="share", rate=0.6)


@dataclass
class Op:
    """One benchmarked operation. `product` and `limit` take the context and return answers
    that compare equal when both are right (normalise them to plain dicts/lists of values)."""

    name: str
    group: str
    product: Callable[[Any], Any]
    limit: Callable[[Any], Any] | None = None
    goal: Goal = REPORT
    repeat: int = 5
    # (ctx, product answer) -> extras; an operation whose work runs in another process (a page
    # served by gunicorn) reports that process's query count as extras["queries"].
    extra: Callable[[Any, Any], dict[str, Any]] | None = None
    # ctx -> None, run once before the timings: inputs worked out from the data (a stage's id
    # for a query string) are then neither timed nor counted as the product's queries.
    prepare: Callable[[Any], None] | None = None


@dataclass
class Result:
    operation: str
    group: str
    scale: str
    db: str
    product_ms: float
    limit_ms: float | None
    ratio: float | None
    queries: int
    equal: bool | None
    goal: str = ""
    met: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


REGISTRY: list[Op] = []


def register(*ops: Op) -> None:
    REGISTRY.extend(ops)


SPAN = "harness:span_ms"


@contextmanager
def span(ctx: Any) -> Iterator[None]:
    """The part of a run that is timed, when an operation also checks what it did (an import's
    checksums of what it stored, read before the transaction is rolled back): only the time
    inside this block counts."""
    started = time.perf_counter()
    try:
        yield
    finally:
        ctx.cache[SPAN] = (time.perf_counter() - started) * 1000


@contextmanager
def served() -> Iterator[None]:
    """A run as the product serves a request (config/wsgi.py): the garbage collector paused
    during it, and the young generations collected once it is over, outside any timing. The
    product and its limit are run alike."""
    try:
        with collector_paused():
            yield
    finally:
        gc.collect(1)


def sampled(fn: Callable[[Any], Any], ctx: Any, repeat: int) -> tuple[list[float], Any, int]:
    """Milliseconds of each of `repeat` runs after one counted warm-up run (of its `span` when
    it marks one); the answer; the number of queries the warm-up issued."""
    reset_queries()
    with CaptureQueriesContext(connection) as captured, served():
        answer = fn(ctx)
    samples = []
    for _i in range(max(1, repeat)):
        ctx.cache.pop(SPAN, None)
        with served():
            started = time.perf_counter()
            fn(ctx)
            whole = (time.perf_counter() - started) * 1000
        samples.append(ctx.cache.pop(SPAN, whole))
    return samples, answer, len(captured.captured_queries)


def timed(fn: Callable[[Any], Any], ctx: Any, repeat: int) -> tuple[float, Any, int]:
    """Median milliseconds over `repeat` runs after one counted warm-up run; the answer; the
    number of queries the warm-up issued."""
    samples, answer, queries = sampled(fn, ctx, repeat)
    return statistics.median(samples), answer, queries


def percentile(samples: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of the samples."""
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


def measure(op: Op, ctx: Any, scale: str, db: str) -> Result:
    if op.prepare is not None:
        op.prepare(ctx)
    samples, answer, queries = sampled(op.product, ctx, op.repeat)
    product_ms = statistics.median(samples)
    limit_ms = equal = ratio = None
    if op.limit is not None:
        limit_ms, expected, _n = timed(op.limit, ctx, op.repeat)
        equal = answer == expected
        if not equal:
            print(f"  !! {op.name}: answers differ\n     product: {_short(answer)}\n"
                  f"     limit:   {_short(expected)}")  # fmt: skip
        ratio = round(product_ms / limit_ms, 2) if limit_ms else None
    result = Result(op.name, op.group, scale, db, round(product_ms, 2),
                    round(limit_ms, 2) if limit_ms is not None else None, ratio, queries, equal,
                    op.goal.describe(db))  # fmt: skip
    if op.extra is not None:
        result.extra = op.extra(ctx, answer)
        result.queries = result.extra.pop("queries", queries)
    _rates(result)
    _http(op.goal, samples, result)
    result.met = op.goal.met(result)
    return result


def _rates(result: Result) -> None:
    """Rows per second of the product and of the limit, for operations whose extras give the
    number of rows they handle ("rows"; imports and exports)."""
    n = result.extra.get("rows")
    if n and result.product_ms:
        result.extra["rows_per_s"] = round(n / result.product_ms * 1000)
    if n and result.limit_ms:
        result.extra["limit_rows_per_s"] = round(n / result.limit_ms * 1000)


def _http(goal: Goal, samples: list[float], result: Result) -> None:
    """What a p95 goal (pages: p95 and p99 of the requests; product_ms is their p50) or a share
    goal (API vs a plain view: requests/s of each over the same number of requests, "requests")
    is judged on."""
    if goal.kind == "p95":
        result.extra.update({f"p{p}_ms": round(percentile(samples, p), 2) for p in (95, 99)})
    if goal.kind == "share" and result.limit_ms:
        result.extra["share"] = round(result.limit_ms / result.product_ms, 3)
        if n := result.extra.get("requests"):
            result.extra["api_rps"] = round(n / result.product_ms * 1000, 1)
            result.extra["plain_rps"] = round(n / result.limit_ms * 1000, 1)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 600 else text[:600] + " …"
