"""Records by the kind of their stage (`selectors.stages.of_stage_kind`, and the deal list's
`selectors.sales.of_stage_kind`) are the records a join on the stage's kind finds; on
PostgreSQL the stage ids are read inside the query, and open deals are the ones not closed."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Count

from salesops.crm.models import Opportunity, Stage
from salesops.crm.selectors.stages import of_stage_kind
from salesops.crm.services import sales as services
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english  # noqa: F401
from salesops.org.models import User

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


def _deals_moved_to_every_stage(owner: Any) -> None:
    """A ready deal moved into each stage as a person moves it (its close time set when it
    enters a won or lost stage, cleared when it is reopened)."""
    for i, stage in enumerate(Stage.objects.order_by("order")):
        opp = make.ready_deal(owner, name=f"Moved {i}")
        if stage.pk != opp.stage_id:
            services.opportunity_move_stage(
                actor=owner, opportunity=opp, stage=stage, lost_reason="price"
            )


@pytest.mark.parametrize("kind", ["open", "won", "lost"])
def test_the_deal_list_finds_the_deals_of_a_kind(cast: Any, kind: str) -> None:
    """The deal list's status filter (`selectors.sales.of_stage_kind`) finds what the join
    finds, without joining the stages: open deals by their close time on PostgreSQL, the
    others (and open ones on SQLite) by the ids of the stages."""
    from salesops.crm.selectors.sales import of_stage_kind as list_of_kind

    _deals_moved_to_every_stage(cast.rep)
    reopened = make.ready_deal(cast.rep, name="Reopened")
    lost = Stage.objects.get(code="lost")
    services.opportunity_move_stage(
        actor=cast.rep, opportunity=reopened, stage=lost, lost_reason="price"
    )
    assert reopened.closed_at is not None
    services.opportunity_move_stage(
        actor=cast.rep, opportunity=reopened, stage=Stage.objects.get(code="closing")
    )
    qs = list_of_kind(Opportunity.objects.all(), kind)
    joined = set(Opportunity.objects.filter(stage__kind=kind).values_list("pk", flat=True))
    assert set(qs.values_list("pk", flat=True)) == joined and joined
    assert (reopened.pk in joined) == (kind == "open")  # reopened: open again, in every list
    assert "crm_stage" not in str(qs.query)
    by_close = kind == "open" and connection.vendor == "postgresql"
    assert ("closed_at" in str(qs.query).partition(" WHERE ")[2]) == by_close


@pytest.mark.parametrize("kind", ["won", "lost"])
def test_a_teams_closed_deals_are_found_by_an_unindexed_stage_on_sqlite(
    cast: Any, kind: str
) -> None:
    """Won or lost deals of someone who sees a list of owners are filtered by `+stage_id` on
    SQLite (it then reads the covering index by owner and close): the same deals."""
    from salesops.crm.selectors.sales import of_stage_kind as list_of_kind

    _deals_moved_to_every_stage(cast.rep)
    _deals_moved_to_every_stage(cast.outside_rep)
    for who, owners_only in (("supervisor", True), ("director", False)):
        actor = User.objects.get(username=who)
        visible = Opportunity.objects.visible_to(actor)
        qs = list_of_kind(visible, kind, actor=actor)
        joined = set(visible.filter(stage__kind=kind).values_list("pk", flat=True))
        assert set(qs.values_list("pk", flat=True)) == joined and joined, who
        unindexed = '+"crm_opportunity"."stage_id" IN' in str(qs.query)
        assert unindexed == (owners_only and connection.vendor == "sqlite"), who
    director = Opportunity.objects.visible_to(User.objects.get(username="director"))
    assert director.filter(owner=cast.outside_rep, stage__kind=kind).exists()


def test_a_stage_with_deals_cannot_turn_from_open_to_closed_or_back(cast: Any) -> None:
    """Open-deal lists read a deal's close time, set when it entered its stage: a stage with
    deals in it keeps being open or closed; won and lost may swap, and an empty stage may
    turn."""
    from django.core.exceptions import ValidationError

    _deals_moved_to_every_stage(cast.rep)
    for code, to in (("need", "won"), ("won", "open"), ("lost", "open")):
        stage = Stage.objects.get(code=code)
        stage.kind = to
        with pytest.raises(ValidationError) as raised:
            stage.full_clean()
        assert "kind" in raised.value.message_dict
    lost = Stage.objects.get(code="lost")
    lost.kind = "won"
    lost.full_clean()  # closed either way: allowed
    empty = Stage.objects.create(code="parked", name="Parked", order=99, probability=0)
    empty.kind = "lost"
    empty.full_clean()


def test_a_new_deal_starts_in_an_open_stage(cast: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        make.deal(cast.rep, stage=Stage.objects.get(code="won"))
    assert "stage" in raised.value.message_dict
    assert not Opportunity.objects.exists()
