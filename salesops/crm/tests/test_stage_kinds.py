"""Records by the kind of their stage (`selectors.stages.of_stage_kind`) are the records a
join on the stage's kind finds; on PostgreSQL the stage ids are read inside the query."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Count

from salesops.crm.models import Opportunity, Stage
from salesops.crm.selectors.stages import of_stage_kind
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english  # noqa: F401

pytestmark = pytest.mark.django_db

KINDS = [("open",), ("won",), ("lost",), ("won", "lost"), ("open", "won", "lost")]


def _deals_in_every_stage(owner: Any) -> None:
    for i, stage in enumerate(Stage.objects.all()):
        opp = make.deal(owner, name=f"Deal {i}")
        Opportunity.objects.filter(pk=opp.pk).update(stage=stage)


@pytest.mark.parametrize("kinds", KINDS)
def test_of_stage_kind_finds_what_the_join_finds(cast: Any, kinds: tuple[str, ...]) -> None:
    _deals_in_every_stage(cast.rep)
    by_ids = set(Opportunity.objects.filter(of_stage_kind(*kinds)).values_list("pk", flat=True))
    joined = set(Opportunity.objects.filter(stage__kind__in=kinds).values_list("pk", flat=True))
    assert by_ids == joined and joined  # every kind has deals here
    counted = Opportunity.objects.aggregate(n=Count("pk", filter=of_stage_kind(*kinds)))["n"]
    assert counted == len(joined)  # also as an aggregate's filter


def test_on_postgresql_the_stage_ids_are_read_inside_the_query(cast: Any) -> None:
    sql = str(Opportunity.objects.filter(of_stage_kind("won", "lost")).query)
    if connection.vendor == "postgresql":
        assert "= ANY(ARRAY(SELECT id FROM" in sql and "JOIN" not in sql
    else:
        assert 'INNER JOIN "crm_stage"' in sql


@pytest.mark.parametrize("kind", ["open", "won", "lost"])
def test_the_deal_list_filters_by_the_ids_of_the_stages_of_a_kind(cast: Any, kind: str) -> None:
    """The deal list's status filter (`selectors.sales.of_stage_kind`) finds what the join
    finds, with the stages' ids as values; a stage that changes kind moves its deals."""
    from salesops.crm.selectors.sales import of_stage_kind as list_of_kind

    _deals_in_every_stage(cast.rep)
    qs = list_of_kind(Opportunity.objects.all(), kind)
    joined = set(Opportunity.objects.filter(stage__kind=kind).values_list("pk", flat=True))
    assert set(qs.values_list("pk", flat=True)) == joined and joined
    assert "crm_stage" not in str(qs.query)
    stage = Stage.objects.filter(kind=kind).first()
    assert stage is not None
    Stage.objects.filter(pk=stage.pk).update(kind="lost" if kind != "lost" else "open")
    moved = set(list_of_kind(Opportunity.objects.all(), kind).values_list("pk", flat=True))
    assert moved == joined - set(
        Opportunity.objects.filter(stage=stage).values_list("pk", flat=True)
    )
