"""Channel partners: who sees them and their deals, creating and editing, agreements, and
performance numbers checked against an independent recomputation."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesops.crm.models import Contract, Opportunity, Partner, PartnerAgreement, Payment
from salesops.crm.selectors import contracts as selectors
from salesops.crm.services import contracts as services
from salesops.crm.tests import test_contracts_support as make
from salesops.crm.tests.test_contracts_support import english  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
TZ = ZoneInfo("Asia/Shanghai")


def _at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=TZ)


def test_a_channel_manager_sees_their_partners_deals_owned_by_reps(cast: Any) -> None:
    mine = make.partner(cast.channel_manager)
    deal = make.deal(cast.rep, partner=mine)
    make.deal(cast.rep)  # no partner: not the channel manager's
    seen = Opportunity.objects.visible_to(cast.channel_manager)
    assert list(seen.values_list("pk", flat=True)) == [deal.pk]
    assert list(Opportunity.objects.visible_to(cast.outside_rep)) == []
    contract = make.contract(cast.rep, partner=mine)
    assert list(Contract.objects.visible_to(cast.channel_manager)) == [contract]


def test_partners_are_seen_by_their_channel_manager_and_leaders_only(cast: Any) -> None:
    partner = make.partner(cast.channel_manager)
    for name in ("channel_manager", "director", "admin"):
        assert list(Partner.objects.visible_to(cast.users[name])) == [partner]
    for name in ("rep", "manager", "finance", "hr"):
        assert list(Partner.objects.visible_to(cast.users[name])) == []


def _scenario(cast: Any) -> Partner:
    """Deals of one partner across stages and years, contracts and payments."""
    partner = make.partner(cast.channel_manager)
    make.deal(cast.rep, partner=partner, amount="100000.01", stage="proposal", probability=50)
    make.deal(cast.rep, partner=partner, amount="333.33", stage="negotiation", probability=75)
    make.deal(cast.peer_rep, partner=partner, amount="0.01", stage="lead", probability=10)
    make.deal(cast.outside_rep, partner=partner, amount="7777.77", stage="closing", probability=90)
    won = make.deal(
        cast.rep, partner=partner, amount="250000.00", stage="won", closed_at=_at(2026, 3, 31)
    )
    make.deal(cast.rep, partner=partner, amount="1.99", stage="won", closed_at=_at(2026, 1, 1))
    make.deal(cast.rep, partner=partner, amount="4000.00", stage="won", closed_at=_at(2025, 12, 31))
    make.deal(cast.rep, partner=partner, amount="999.00", stage="lost", closed_at=_at(2026, 2, 2))
    make.deal(cast.rep, amount="555555.55", stage="proposal")  # another partner's: none
    signed = make.contract(cast.rep, price="250000.00", partner=partner, status="signed")
    signed.opportunity = won
    signed.save()
    for amount, day in (("1000.10", date(2025, 12, 30)), ("2000.20", date(2026, 1, 2))):
        services.payment_record(
            actor=cast.finance, contract=signed, amount=Decimal(amount), received_on=day
        )
    return partner


def _recomputed(partner: Partner, year: int) -> dict[str, Any]:
    """The same numbers, from plain Python over the rows."""
    deals = list(Opportunity.objects.filter(partner=partner).select_related("stage"))
    open_deals = [d for d in deals if d.stage.kind == "open"]

    def won_in(y: int) -> list[Opportunity]:
        return [d for d in deals if d.stage.kind == "won" and d.closed_at.astimezone(TZ).year == y]

    weighted = sum(d.amount * d.probability / Decimal(100) for d in open_deals)
    payments = list(Payment.objects.filter(contract__partner=partner))
    return {
        "year": year,
        "open_count": len(open_deals),
        "open_pipeline": sum(d.amount for d in open_deals),
        "weighted_pipeline": Decimal(weighted).quantize(Decimal("0.01"), ROUND_HALF_UP),
        "won_this_year": sum(d.amount for d in won_in(year)),
        "won_last_year": sum(d.amount for d in won_in(year - 1)),
        "won_count": len(won_in(year)),
        "collected": sum(p.amount for p in payments),
        "collected_this_year": sum(p.amount for p in payments if p.received_on.year == year),
    }


def test_partner_performance_equals_an_independent_recomputation(cast: Any) -> None:
    partner = _scenario(cast)
    numbers = selectors.partner_performance(
        actor=cast.channel_manager, partner=partner, today=TODAY
    )
    assert numbers == _recomputed(partner, 2026)
    assert numbers["open_pipeline"] == Decimal("108111.12")
    assert numbers["weighted_pipeline"] == Decimal("57250.00")
    assert numbers["won_this_year"] == Decimal("250001.99")
    assert numbers["won_last_year"] == Decimal("4000.00")
    assert numbers["collected"] == Decimal("3000.30")
    assert numbers["collected_this_year"] == Decimal("2000.20")


def test_the_partner_list_annotates_the_same_numbers(cast: Any) -> None:
    partner = _scenario(cast)
    row = selectors.partners(actor=cast.director, today=TODAY).get(pk=partner.pk)
    expected = _recomputed(partner, 2026)
    assert (row.open_pipeline, row.won_this_year, row.collected) == (
        expected["open_pipeline"],
        expected["won_this_year"],
        expected["collected"],
    )
    totals = selectors.partners(actor=cast.director, today=TODAY).aggregate(
        **selectors.PARTNER_TOTALS
    )
    assert totals["total_open_pipeline"] == expected["open_pipeline"]
    assert totals["total_collected"] == Decimal("3000.30")


def test_the_partner_page_shows_performance_deals_and_agreements(
    cast: Any, client_for: Any
) -> None:
    partner = _scenario(cast)
    services.agreement_create(
        actor=cast.channel_manager,
        partner=partner,
        number="AG-1",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        rebate_pct=Decimal("3.5"),
    )
    page = client_for("channel_manager").get(reverse("crm:partner_detail", args=[partner.pk]))
    html = page.content.decode()
    assert page.context["performance"]["open_pipeline"] == Decimal("108111.12")
    assert "108,111.12" in html and "AG-1" in html
    assert len(page.context["deals"]) == 8


def test_the_partner_list_runs_constant_queries(cast: Any, client_for: Any) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            partner = make.partner(cast.channel_manager)
            make.deal(cast.rep, partner=partner, amount="10.00")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("crm:partner_list")).status_code == 200
        return len(ctx.captured_queries)

    client = client_for("channel_manager")
    add(3)
    few = count()
    add(27)
    assert count() == few


def test_the_partner_list_filters(cast: Any, client_for: Any) -> None:
    gold = make.partner(cast.channel_manager, level="gold")
    make.partner(cast.channel_manager, level="silver")
    response = client_for("admin").get(reverse("crm:partner_list"), {"level": "gold"})
    assert [p.pk for p in response.context["page"]] == [gold.pk]


def test_a_channel_manager_creates_their_own_partner(cast: Any) -> None:
    partner = services.partner_create(
        actor=cast.channel_manager, name=" East Channel ", kind="distributor", level="gold"
    )
    assert (partner.name, partner.channel_manager) == ("East Channel", cast.channel_manager)
    with pytest.raises(ValidationError) as exc:
        services.partner_create(
            actor=cast.channel_manager, name="X", kind="agent", channel_manager=cast.admin
        )
    assert "channel_manager" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.partner_create(actor=cast.manager, name="X", kind="agent")
    assert Partner.objects.count() == 1


def test_an_admin_creates_a_partner_for_a_channel_manager(cast: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.partner_create(actor=cast.admin, name="X", kind="agent")
    assert "channel_manager" in exc.value.message_dict
    partner = services.partner_create(
        actor=cast.admin, name="X", kind="agent", channel_manager=cast.channel_manager
    )
    assert partner.channel_manager == cast.channel_manager


def test_partner_create_and_edit_pages(cast: Any, client_for: Any) -> None:
    client = client_for("channel_manager")
    data = {"name": "West Agent", "kind": "agent", "level": "silver"}
    response = client.post(reverse("crm:partner_create"), data)
    partner = Partner.objects.get()
    assert response.url == reverse("crm:partner_detail", args=[partner.pk])
    edit = reverse("crm:partner_edit", args=[partner.pk])
    client.post(edit, {**data, "level": "gold", "phone": "021-1234"})
    partner.refresh_from_db()
    assert (partner.level, partner.phone, partner.is_active) == ("gold", "021-1234", False)
    bad = client.post(reverse("crm:partner_create"), {"name": "", "kind": "agent"})
    assert bad.status_code == 200 and Partner.objects.count() == 1


def test_agreements_need_valid_dates_and_unique_numbers(cast: Any, client_for: Any) -> None:
    partner = make.partner(cast.channel_manager)
    url = reverse("crm:agreement_create", args=[partner.pk])
    data = {"number": "AG-7", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "rebate_pct": "2"}
    assert client_for("channel_manager").post(url, data).status_code == 302
    again = client_for("channel_manager").post(url, data)
    assert "already has an agreement" in again.content.decode()
    backwards = {**data, "number": "AG-8", "ends_on": "2025-01-01"}
    assert "before the start date" in client_for("admin").post(url, backwards).content.decode()
    assert list(PartnerAgreement.objects.values_list("number", flat=True)) == ["AG-7"]
    with pytest.raises(PermissionDenied):
        services.agreement_create(
            actor=cast.director,
            partner=partner,
            number="AG-9",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 2, 1),
        )
