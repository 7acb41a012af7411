"""The HTTP benchmarks' own pieces: locust's CSV read into the load-test summary, the percentile
and the p95 / share goals of the harness, and the plain views of the bench server answering the
same page as the API endpoints they are compared with (same visible rows, same order)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from bench import harness, load
from salesops.core import policy
from salesops.crm.tests import test_sales_support as make
from salesops.org.testing import build_cast

STATS_HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,"
    "75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
)


def _write_locust_csv(prefix: Path) -> None:
    Path(f"{prefix}_stats.csv").write_text(
        STATS_HEADER
        + "GET,rep dashboard,40,0,120,130,80,400,9000,1.333,0,120,130,140,150,200,250,300,390,400,"
        "400,400\n"
        + "POST,activity log,10,1,300,310,200,900,0,0.3333,0.0333,300,310,320,330,500,900,900,"
        "900,900,900,900\n"
        + ",Aggregated,50,1,140,166,80,900,7200,1.667,0.0333,140,150,160,170,300,400,800,900,"
        "900,900,900\n"
    )
    Path(f"{prefix}_failures.csv").write_text(
        "Method,Name,Error,Occurrences\n"
        "POST,activity log,the activity was not logged (HTTP 200),1\n"
    )


def test_summary_reads_totals_lines_and_errors_from_locust_csv(tmp_path: Path) -> None:
    _write_locust_csv(tmp_path / "run")
    result = load.summary(tmp_path / "run")
    totals = {"requests": 50, "failures": 1, "rps": 1.67, "p50_ms": 140.0, "p95_ms": 400.0,
              "p99_ms": 900.0, "max_ms": 900.0}  # fmt: skip
    assert {key: result[key] for key in totals} == totals
    assert [(r["method"], r["name"], r["requests"], r["failures"]) for r in result["by_name"]] == [
        ("GET", "rep dashboard", 40, 0),
        ("POST", "activity log", 10, 1),
    ]
    assert result["errors"] == [{"method": "POST", "name": "activity log", "occurrences": 1,
                                 "error": "the activity was not logged (HTTP 200)"}]  # fmt: skip


def test_a_percentile_locust_did_not_compute_is_none() -> None:
    row = dict.fromkeys(STATS_HEADER.strip().split(","), "N/A")
    row.update({"Type": "GET", "Name": "x", "Request Count": "0", "Failure Count": "0",
                "Requests/s": "0"})  # fmt: skip
    assert load.stats_row(row)["p95_ms"] is None


def test_percentile_is_the_nearest_rank() -> None:
    samples = [float(n) for n in range(20, 0, -1)]  # 20 … 1
    assert harness.percentile(samples, 50) == 10.0
    assert harness.percentile(samples, 95) == 19.0
    assert harness.percentile(samples, 99) == 20.0
    assert harness.percentile([7.0], 95) == 7.0


def _result(db: str, product_ms: float, limit_ms: float | None, **extra: Any) -> harness.Result:
    return harness.Result("op", "pages", "S", db, product_ms, limit_ms, None, 0, None, extra=extra)


def test_a_page_goal_judges_the_95th_percentile_per_database() -> None:
    assert harness.PAGE.met(_result("postgresql", 100.0, None, p95_ms=300.0)) is True
    assert harness.PAGE.met(_result("postgresql", 100.0, None, p95_ms=300.5)) is False
    assert harness.PAGE.met(_result("sqlite", 100.0, None, p95_ms=999.0)) is True
    assert harness.PAGE.describe("sqlite") == "p95 ≤ 1000 ms"


def test_the_api_goal_is_sixty_percent_of_the_plain_views_requests_per_second() -> None:
    # The same number of requests: 1,000 ms for the API, 600 ms for the plain view = 60 %.
    assert harness.API_SHARE.met(_result("sqlite", 1000.0, 600.0)) is True
    assert harness.API_SHARE.met(_result("sqlite", 1000.0, 599.0)) is False


@pytest.fixture
def bench_routes(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The bench server's URLs, with their policy entries kept out of the product's table."""
    monkeypatch.setattr(policy, "_TABLE", dict(policy.table()))
    import bench.urls

    importlib.reload(bench.urls)
    with override_settings(ROOT_URLCONF="bench.urls"):
        yield


@pytest.mark.django_db
@pytest.mark.usefixtures("bench_routes")
def test_the_plain_views_answer_the_same_page_as_the_api() -> None:
    cast = build_cast()
    mine = [make.deal(cast.rep, name=f"Deal {n}") for n in range(3)]
    make.deal(cast.outside_rep, name="Deal elsewhere")
    make.customer(cast.rep, name="Acme Search Ltd")
    client = Client()
    client.force_login(cast.manager)
    pairs = [
        ("/api/v1/crm/opportunities?status=open", "/bench/plain/opportunities/?status=open"),
        ("/api/v1/crm/customers?q=Search", "/bench/plain/customers/?q=Search"),
        ("/api/v1/crm/customers?q=Deal", "/bench/plain/customers/?q=Deal"),
    ]
    pages = []
    for api, plain in pairs:
        api_page, plain_page = (json.loads(client.get(path).content) for path in (api, plain))
        assert [i["id"] for i in plain_page["items"]] == [i["id"] for i in api_page["items"]]
        assert plain_page["count"] == api_page["count"]
        pages.append(plain_page["count"])
    assert pages == [len(mine), 1, len(mine)]
