"""The benchmark harness on a tiny generated company (scale XS), on whichever database the
suite runs on: the generator loads, and every operation's product answer equals its limit's
hand-written SQL answer. (Timings are not asserted; `make bench` measures.)"""

from __future__ import annotations

import pytest
from django.db import connection

from bench import context, data, harness, ops
from bench.scales import SCALES
from salesops.crm.models import OpenPipeline

pytestmark = pytest.mark.django_db(transaction=True)

IN_PROCESS = {"dashboards", "reports", "alerts", "lists", "io"}


def _count(table: str) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {table}")  # fixed table names
        return cur.fetchone()[0]


def _scalar(sql: str) -> int:
    with connection.cursor() as cur:
        cur.execute(sql)
        return int(cur.fetchone()[0])


def test_generator_loads_the_scale_and_every_answer_equals_its_limit() -> None:
    scale = SCALES["XS"]
    # a database flushed table by table may keep rollup rows of deals and people deleted since
    # (zero counts the triggers left): the generator clears them
    OpenPipeline.objects.create(owner_id=10**9, stage_id=1)
    load = data.generate(scale)
    assert _count("org_user") == scale.people
    assert _count("crm_customer") == scale.customers
    assert _count("crm_opportunity") == scale.opportunities
    assert _count("crm_activity") == scale.activities
    assert load["rows"] >= scale.customers + scale.opportunities + scale.activities
    assert not data.is_empty()
    assert data.orphans() == {}
    # the tables kept by triggers hold the loaded rows (a PostgreSQL load skips the triggers
    # and rebuilds them): every deal with a history in stages that have a bit has its stages
    # (a database flushed and reseeded many times numbers its stages past the bits: none),
    # deals, open deals, all deals by stage, cohorts, finished stays, lost reasons and done
    # activities are summed in full, every customer who won has a first win
    assert _count("crm_stagesreached") == _scalar(
        "SELECT COUNT(DISTINCT opportunity_id) FROM crm_stagehistory WHERE stage_id <= 62"
    )
    assert _scalar("SELECT SUM(n) FROM crm_dealmonth WHERE event = 1") == scale.opportunities
    assert (
        _scalar("SELECT SUM(n) FROM crm_activityday")
        == _scalar(
            "SELECT COUNT(*) FROM crm_activity WHERE status = 'done' AND done_at IS NOT NULL"
        )
        > 0
    )
    assert _scalar("SELECT COALESCE(SUM(n), 0) FROM crm_openpipeline") == _scalar(
        "SELECT COUNT(*) FROM crm_opportunity WHERE closed_at IS NULL"
    )
    assert _scalar("SELECT SUM(amount) FROM crm_stagetotal") == _scalar(
        "SELECT SUM(amount) FROM crm_opportunity"
    )
    assert _scalar("SELECT SUM(amount) FROM crm_closemonthtotal") == _scalar(
        "SELECT SUM(amount) FROM crm_opportunity WHERE expected_close IS NOT NULL"
    )
    # (none when the reseeded database numbers its stages past the bits, as for stages reached)
    assert _scalar("SELECT COALESCE(SUM(n), 0) FROM crm_dealcohort") == _scalar(
        "SELECT COUNT(*) FROM crm_stagesreached WHERE bits <> 0"
    )
    assert _scalar("SELECT COALESCE(SUM(n), 0) FROM crm_staymonth") == _scalar(
        "SELECT COUNT(*) FROM crm_stagehistory WHERE left_at IS NOT NULL"
    )
    assert (
        _scalar("SELECT SUM(amount) FROM crm_reasonmonth WHERE reason <> ''")
        == _scalar("SELECT SUM(amount) FROM crm_opportunity WHERE lost_reason <> ''"
                   " AND closed_at IS NOT NULL")
        > 0
    )  # fmt: skip
    assert (
        _scalar("SELECT COUNT(*) FROM crm_opportunity WHERE first_win")
        == _scalar(
            "SELECT COUNT(DISTINCT customer_id) FROM crm_opportunity WHERE closed_at IS NOT NULL"
            " AND stage_id IN (SELECT id FROM crm_stage WHERE kind = 'won')"
        )
        > 0
    )

    ops.load_all()
    ctx = context.build(scale, connection.vendor)
    checked = []
    for op in harness.REGISTRY:
        if op.group not in IN_PROCESS:
            continue
        result = harness.measure(op, ctx, scale.name, connection.vendor)
        assert result.queries > 0, op.name
        if op.limit is not None:
            assert result.equal is True, op.name
            assert op.product(ctx), f"{op.name}: an empty answer proves nothing"
            checked.append(op.name)
    assert len(checked) >= 9


def test_the_generator_refuses_a_database_that_has_people() -> None:
    from salesops.org.testing import build_cast

    build_cast()
    with pytest.raises(RuntimeError):
        data.generate(SCALES["XS"])
