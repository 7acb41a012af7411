"""Stage moves: entry criteria, backwards moves, stage history, won and lost deals."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from salesops.core.models import AuditEntry
from salesops.crm.models import Contact, Contract, Opportunity, Stage, StageHistory
from salesops.crm.selectors import sales as selectors
from salesops.crm.services import sales as services
from salesops.crm.tests import test_sales_support as make
from salesops.crm.tests.test_sales_support import english  # noqa: F401

pytestmark = pytest.mark.django_db
NEED = "The customer's need is not confirmed."
DECIDER = "No decision maker is named (a contact whose role is decision maker)."
LINES = "The deal has no product lines with an amount above zero."
CLOSE = "The expected close date is missing or in the past."
NEXT = "The next step is empty."


def _state(opp: Opportunity) -> tuple[Any, ...]:
    """What a refused move must leave untouched."""
    fresh = Opportunity.objects.get(pk=opp.pk)
    history = list(StageHistory.objects.filter(opportunity=opp).values_list("stage_id", "left_at"))
    audits = AuditEntry.objects.filter(object_id=str(opp.pk)).count()
    return (
        fresh.stage_id,
        fresh.probability,
        fresh.stage_entered_at,
        fresh.closed_at,
        history,
        audits,
    )


def _refusal(opp: Opportunity, stage: str, **kw: Any) -> dict[str, list[str]]:
    before = _state(opp)
    with pytest.raises(ValidationError) as caught:
        services.opportunity_move_stage(
            actor=opp.owner, opportunity=opp, stage=make.stage(stage), **kw
        )
    assert _state(opp) == before  # nothing changed
    return caught.value.message_dict


def test_closing_refuses_a_bare_deal_with_every_unmet_reason(cast: Any) -> None:
    # Given a new deal with nothing filled in
    opp = make.deal(cast.rep)
    # When it is moved straight to closing, then all five criteria are reported at once
    errors = _refusal(opp, "closing")
    assert errors == {"stage": [NEED, DECIDER, LINES, CLOSE, NEXT]}


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("need_confirmed", NEED),
        ("decision_maker", DECIDER),
        ("lines", LINES),
        ("expected_close", CLOSE),
        ("next_step", NEXT),
    ],
)
def test_each_criterion_alone_blocks_closing(cast: Any, missing: str, message: str) -> None:
    # Given a deal that meets every criterion but one
    opp = make.ready_deal(cast.rep)
    undo = {
        "need_confirmed": {"need_confirmed": False},
        "decision_maker": {"decision_maker": None},
        "expected_close": {"expected_close": None},
        "next_step": {"next_step": ""},
    }
    if missing == "lines":
        services.opportunity_line_remove(actor=cast.rep, line=opp.lines.get())
    else:
        services.opportunity_update(actor=cast.rep, opportunity=opp, **undo[missing])
    # When it is moved to closing, then exactly that reason is given
    assert _refusal(opp, "closing") == {"stage": [message]}


def test_a_contact_who_is_not_a_decision_maker_does_not_count(cast: Any) -> None:
    opp = make.ready_deal(cast.rep)
    user = Contact.objects.create(customer=opp.customer, name="Mr User", buying_role="user")
    services.opportunity_update(actor=cast.rep, opportunity=opp, decision_maker=user)
    assert _refusal(opp, "proposal") == {"stage": [DECIDER]}


def test_a_close_date_in_the_past_blocks_open_stages(cast: Any) -> None:
    opp = make.ready_deal(cast.rep)
    past = timezone.localdate() - timedelta(days=1)
    Opportunity.objects.filter(pk=opp.pk).update(expected_close=past)
    opp.refresh_from_db()
    assert _refusal(opp, "negotiation") == {"stage": [CLOSE]}


def test_the_decision_maker_must_belong_to_the_deal_customer(cast: Any) -> None:
    opp = make.deal(cast.rep)
    stranger = make.decision_maker(make.customer(cast.rep, name="Other Co"))
    with pytest.raises(ValidationError) as caught:
        services.opportunity_update(actor=cast.rep, opportunity=opp, decision_maker=stranger)
    assert list(caught.value.message_dict) == ["decision_maker"]
    assert Opportunity.objects.get(pk=opp.pk).decision_maker_id is None


def test_an_unknown_criterion_refuses_with_a_clear_message(cast: Any) -> None:
    opp = make.deal(cast.rep)
    Stage.objects.filter(code="need").update(requirements=["budget_signed"])
    errors = _refusal(opp, "need")
    assert errors == {"stage": ["Unknown entry criterion “budget_signed”: ask an administrator."]}


def test_a_ready_deal_moves_forward_and_takes_the_stage_probability(cast: Any) -> None:
    opp = make.ready_deal(cast.rep)
    moved = services.opportunity_move_stage(
        actor=cast.rep, opportunity=opp, stage=make.stage("negotiation")
    )
    fresh = Opportunity.objects.get(pk=opp.pk)
    assert (moved.stage.code, fresh.stage.code, fresh.probability) == (
        "negotiation",
        "negotiation",
        75,
    )
    entry = AuditEntry.objects.filter(object_id=str(opp.pk), reason="lead → negotiation").get()
    assert entry.changes["stage_id"] == [make.stage("lead").pk, make.stage("negotiation").pk]


def test_moving_backwards_is_allowed_and_recorded(cast: Any) -> None:
    opp = make.ready_deal(cast.rep)
    for code in ("proposal", "need"):
        services.opportunity_move_stage(actor=cast.rep, opportunity=opp, stage=make.stage(code))
    rows = list(
        StageHistory.objects.filter(opportunity=opp)
        .order_by("entered_at", "id")
        .values_list("from_stage__code", "stage__code")
    )
    assert rows == [(None, "lead"), ("lead", "proposal"), ("proposal", "need")]
    assert Opportunity.objects.get(pk=opp.pk).probability == 25


def test_the_same_stage_is_refused(cast: Any) -> None:
    opp = make.deal(cast.rep)
    assert _refusal(opp, "lead") == {"stage": ["The deal is already in this stage."]}


def test_stage_history_records_the_time_spent_in_each_stay(cast: Any) -> None:
    # Given a deal created on 1 March, moved on 4 March 12:00 and again on 10 March 12:00
    t0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.get_current_timezone())
    with mock.patch("django.utils.timezone.now", return_value=t0):
        opp = make.ready_deal(cast.rep)
    with mock.patch("django.utils.timezone.now", return_value=t0 + timedelta(days=3)):
        services.opportunity_move_stage(actor=cast.rep, opportunity=opp, stage=make.stage("need"))
    with mock.patch("django.utils.timezone.now", return_value=t0 + timedelta(days=9)):
        services.opportunity_move_stage(
            actor=cast.rep, opportunity=opp, stage=make.stage("proposal")
        )
    # When read on 15 March 18:00
    stays = selectors.stage_stays(opp, now=t0 + timedelta(days=14, hours=6))
    # Then each stay lasted exactly its span; the open one until now
    assert [(s.row.stage.code, s.duration) for s in stays] == [
        ("lead", timedelta(days=3)),
        ("need", timedelta(days=6)),
        ("proposal", timedelta(days=5, hours=6)),
    ]
    assert [s.row.left_at is None for s in stays] == [False, False, True]
    assert [s.over for s in stays] == [False, False, False]  # standard days: 14, 21, 21
    later = selectors.stage_stays(opp, now=t0 + timedelta(days=40))
    assert later[-1].over is True  # 31 days in proposal > 21


def test_winning_creates_the_contract_with_the_same_lines(cast: Any) -> None:
    opp = make.ready_deal(cast.rep)
    services.opportunity_line_add(
        actor=cast.rep,
        opportunity=opp,
        product=make.product("P-2", "33.33"),
        quantity=Decimal(3),
        discount_pct=Decimal(10),
    )
    opp.refresh_from_db()
    won = services.opportunity_move_stage(actor=cast.rep, opportunity=opp, stage=make.stage("won"))
    fresh = Opportunity.objects.get(pk=opp.pk)
    contract = Contract.objects.get(opportunity=opp)
    assert (won.probability, fresh.probability, fresh.closed_at is not None) == (100, 100, True)
    assert contract.amount == Decimal("1089.99") == fresh.amount
    assert list(contract.lines.values_list("product__code", "quantity", "unit_price",
                                           "discount_pct", "total")) == list(
        opp.lines.values_list("product__code", "quantity", "unit_price", "discount_pct", "total")
    )  # fmt: skip


def test_winning_needs_lines(cast: Any) -> None:
    opp = make.deal(cast.rep)
    assert _refusal(opp, "won") == {"stage": [LINES]}
    assert not Contract.objects.filter(opportunity=opp).exists()


def test_losing_needs_a_reason(cast: Any) -> None:
    opp = make.deal(cast.rep)
    assert _refusal(opp, "lost") == {"lost_reason": ["Say why the deal was lost."]}
    assert _refusal(opp, "lost", lost_reason="bad-luck") == {
        "lost_reason": ["Choose one of the listed reasons."]
    }


def test_losing_with_a_reason_closes_the_deal(cast: Any) -> None:
    opp = make.deal(cast.rep)
    services.opportunity_move_stage(
        actor=cast.rep,
        opportunity=opp,
        stage=make.stage("lost"),
        lost_reason="price",
        lost_note="Too dear",
    )
    fresh = Opportunity.objects.get(pk=opp.pk)
    assert (fresh.stage.code, fresh.lost_reason, fresh.lost_note, fresh.probability) == (
        "lost",
        "price",
        "Too dear",
        0,
    )
    assert fresh.closed_at is not None


def test_reopening_a_lost_deal_clears_closed_at_and_the_reason(cast: Any) -> None:
    opp = make.deal(cast.rep)
    services.opportunity_move_stage(
        actor=cast.rep, opportunity=opp, stage=make.stage("lost"), lost_reason="price"
    )
    services.opportunity_move_stage(actor=cast.rep, opportunity=opp, stage=make.stage("lead"))
    fresh = Opportunity.objects.get(pk=opp.pk)
    assert (fresh.closed_at, fresh.lost_reason, fresh.probability) == (None, "", 10)


def test_a_won_deal_with_a_live_contract_cannot_be_reopened(cast: Any) -> None:
    opp = make.ready_deal(cast.rep)
    services.opportunity_move_stage(actor=cast.rep, opportunity=opp, stage=make.stage("won"))
    number = Contract.objects.get(opportunity=opp).number
    errors = _refusal(opp, "closing")
    assert errors == {
        "stage": [f"The deal has contract {number}; cancel it before reopening the deal."]
    }


@pytest.mark.parametrize("mover", ["supervisor", "manager", "director", "admin"])
def test_leaders_and_admin_may_move_a_team_deal(cast: Any, mover: str) -> None:
    opp = make.deal(cast.rep)
    services.opportunity_move_stage(
        actor=cast.users[mover], opportunity=opp, stage=make.stage("lost"), lost_reason="price"
    )
    history = StageHistory.objects.filter(opportunity=opp).order_by("-id").first()
    assert history is not None and history.moved_by == cast.users[mover]


@pytest.mark.parametrize("mover", ["peer_rep", "outside_rep", "other_manager", "channel_manager"])
def test_others_may_not_move_the_deal(cast: Any, mover: str) -> None:
    opp = make.deal(cast.rep, partner=make.partner(cast.channel_manager))
    before = _state(opp)
    with pytest.raises(PermissionDenied):
        services.opportunity_move_stage(
            actor=cast.users[mover], opportunity=opp, stage=make.stage("lost"), lost_reason="price"
        )
    assert _state(opp) == before
