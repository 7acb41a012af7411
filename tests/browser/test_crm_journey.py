"""The CRM's main journey in a browser, the way people do it: a rep records a lead, qualifies
it (BANT) and converts it; works the deal stage by stage through the funnel (refused while an
entry criterion is unmet, on the deal page and on the drag-and-drop board); wins it; submits the
contract; the approvers the contract page names approve it in turn from their inbox; finance
records a payment and the contract page shows what is collected and what is outstanding."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone, translation
from django.utils.translation import gettext

from salesops.crm.models import (
    ApprovalStep,
    Contact,
    Contract,
    Lead,
    Opportunity,
    Payment,
    Product,
    Stage,
    StageHistory,
)
from salesops.crm.services.sales import ENTRY_CRITERIA
from salesops.org.models import ProductLine
from salesops.org.testing import PASSWORD, Cast, build_cast
from tests.browser.conftest import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFERENCE = importlib.import_module("salesops.crm.migrations.0003_reference_data")
LEAD_TITLE = "Harbour ERP rollout"
COMPANY = "Harbour Logistics Ltd"
CONTACT = "Chen Jing"
# 5 × 125,000.00 less 4 % = 600,000.00: over the 500,000 "Large contract" rule (manager),
# under the 2,000,000 rule (director), and under the 15 % "High discount" rule.
PRICE, QUANTITY, DISCOUNT = Decimal("125000.00"), "5", "4"
AMOUNT = Decimal("600000.00")
PAID = Decimal("150000.50")


@dataclass
class World:
    cast: Cast
    product: Product
    stages: dict[str, Stage]


@pytest.fixture
def world() -> World:
    """The named cast, the funnel and approval rules (the migration's own data, flushed after
    every transactional test, so laid again here) and one product to sell."""
    REFERENCE.forwards(apps, None)
    cast = build_cast()
    line, _ = ProductLine.objects.get_or_create(code="software", defaults={"name": "Software"})
    product, _ = Product.objects.get_or_create(
        code="ERP-ENT",
        defaults={"name": "ERP Enterprise", "product_line": line, "list_price": PRICE,
                  "unit": "set"},
    )  # fmt: skip
    return World(cast=cast, product=product, stages={s.code: s for s in Stage.objects.all()})


@pytest.fixture
def lang(page: Any) -> Any:
    """Expected texts in the language the pages are shown in (read from <html lang>)."""
    state: dict[str, str] = {}

    def text(message: Any, **params: Any) -> str:
        code = state.setdefault("lang", page.locator("html").get_attribute("lang") or "en")
        with translation.override(code):
            value = gettext(str(message)) if isinstance(message, str) else str(message)
            return value % params if params else value

    return text


# --- small helpers ----------------------------------------------------------------------------


def _submit(page: Any, selector: str) -> None:
    """Click a link, or a button that posts a form, and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def _nav(page: Any, href: str) -> None:
    with page.expect_navigation():
        page.click(f"[data-testid=nav] a[href='{href}']")


def _sign_out(page: Any) -> None:
    page.click("[data-testid=user-name]")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/login/")


def _alerts(page: Any, kind: str) -> list[str]:
    return _texts(page, f".page-body .alert-{kind}")


def _texts(page: Any, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def _stage_badge(page: Any) -> str:
    return str(page.locator("h2.page-title .badge").first.inner_text().strip())


def _money(value: Decimal) -> str:
    """An amount as the pages print it (floatformat:2|intcomma)."""
    return f"{value:,.2f}"


def _deal(world: World) -> Opportunity:
    return Opportunity.objects.select_related("stage").get(name=LEAD_TITLE)


def _move_on_page(page: Any, stage: Stage) -> None:
    page.select_option("[data-testid=move-stage]", str(stage.pk))
    _submit(page, "[data-testid=move-submit]")


def _edit_deal(page: Any, shows: dict[str, str] | None = None, **fields: Any) -> None:
    """Open the deal's edit form, check it shows the values already saved (`shows`), change
    the given fields, save, back on the deal page."""
    _submit(page, "[data-testid=opportunity-edit]")
    form = page.locator("[data-testid=opportunity-edit-form]")
    for name, value in (shows or {}).items():
        shown = form.locator(f"[name={name}]").input_value()
        assert shown == value, f"the edit form shows {name}={shown!r}, saved: {value!r}"
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if isinstance(value, bool):
            field.set_checked(value)
        elif field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    _submit(page, "[data-testid=opportunity-edit-form] [data-testid=submit]")
    page.locator("[data-testid=move-card]").wait_for()


def _drag(card: Any, column: Any) -> None:
    """Drag a board card onto a column. The board scrolls sideways when its columns do not
    fit; Playwright's drag breaks if it has to scroll the target into view mid-drag, so the
    target column is brought into view first, as a person would."""
    column.scroll_into_view_if_needed()
    assert card.is_visible()
    card.drag_to(column)


def _refused_in_place(page: Any, lang: Any, world: World, stage_code: str, *keys: str) -> None:
    """The move just tried was refused with exactly these reasons; the deal did not move."""
    expected = [lang(ENTRY_CRITERIA[k].unmet) for k in keys]
    assert _alerts(page, "danger") == expected
    assert _stage_badge(page) == world.stages[stage_code].name
    assert page.locator("[data-testid=stage-path] [data-state=current]").inner_text().strip() == (
        world.stages[stage_code].name
    )
    deal = _deal(world)
    assert deal.stage.code == stage_code
    assert StageHistory.objects.filter(opportunity=deal).count() == world.stages[stage_code].order


def _moved(page: Any, lang: Any, world: World, stage_code: str) -> None:
    stage = world.stages[stage_code]
    assert lang("Moved to %(stage)s.", stage=stage.name) in _alerts(page, "success")
    assert _alerts(page, "danger") == []
    assert _stage_badge(page) == stage.name
    assert _deal(world).stage.code == stage_code


def _current_approver(page: Any, lang: Any, world: World) -> str:
    """The username of the approver the contract page marks as deciding now."""
    step = page.locator("[data-testid=approval-step]").filter(
        has=page.locator("[data-testid=step-decision]", has_text=lang("Deciding now"))
    )
    assert step.count() == 1
    name = step.locator(".flex-fill > div").first.inner_text().strip()
    by_name = {str(u): username for username, u in world.cast.users.items()}
    return by_name[name]


def _approve_from_inbox(page: Any, lang: Any, username: str, number: str) -> None:
    """Sign in as the approver, find the contract in the approvals inbox, approve it."""
    sign_in(page, username, PASSWORD)
    _nav(page, "/crm/approvals/")
    assert page.locator("[data-testid=approvals-badge]").inner_text().strip() == "1"
    row = page.locator("[data-testid=approvals] tbody tr", has_text=number)
    assert row.count() == 1
    assert _money(AMOUNT) in row.inner_text()
    shot(page, f"crm-10-approvals-inbox-{username}")
    with page.expect_navigation():
        row.locator("[data-testid=approval-open]").click()
    card = page.locator("[data-testid=decision-card]")
    assert card.is_visible()
    assert _money(AMOUNT) in card.inner_text()
    page.fill("[data-testid=decision-reason]", f"OK from {username}")
    _submit(page, "[data-testid=contract-approve]")
    assert lang("You approved the contract.") in _alerts(page, "success")
    assert page.locator("[data-testid=decision-card]").count() == 0


# --- the journey ------------------------------------------------------------------------------


def test_lead_to_cash_journey(page: Any, world: World, lang: Any) -> None:
    stages = world.stages
    today = timezone.localdate()

    # 1. The rep records a lead, qualifies it (BANT) and converts it in one step.
    sign_in(page, "rep", PASSWORD)
    _nav(page, "/crm/leads/")
    _submit(page, "[data-testid=lead-new]")
    form = page.locator("[data-testid=crm-form]")
    form.locator("#id_title").fill(LEAD_TITLE)
    form.locator("#id_company_name").fill(COMPANY)
    form.locator("#id_contact_name").fill(CONTACT)
    form.locator("#id_contact_title").fill("CIO")
    form.locator("#id_phone").fill("13800138000")
    form.locator("#id_email").fill("chen.jing@harbour.example")
    form.locator("#id_budget_amount").fill("500000")
    shot(page, "crm-01-lead-new")
    _submit(page, "[data-testid=crm-form] [data-testid=save]")
    assert page.locator("[data-testid=lead-title]").inner_text() == LEAD_TITLE
    assert lang("The lead is recorded.") in _alerts(page, "success")
    assert page.locator("[data-testid=lead-owner]").inner_text().strip() == str(world.cast.rep)
    assert page.locator("[data-testid=lead-convert]").count() == 0

    for box in ("budget_ok", "authority_ok", "need_ok"):  # three of four: still working
        page.check(f"[data-testid=bant-{box}]")
    _submit(page, "[data-testid=bant-save]")
    badge = page.locator("h2.page-title .badge").first
    assert badge.inner_text().strip() == lang(Lead.Status.WORKING.label)
    assert page.locator("[data-testid=lead-convert]").count() == 0
    page.check("[data-testid=bant-timeline_ok]")
    _submit(page, "[data-testid=bant-save]")
    assert lang("The qualification is saved.") in _alerts(page, "success")
    assert badge.inner_text().strip() == lang(Lead.Status.QUALIFIED.label)
    shot(page, "crm-02-lead-qualified")

    _submit(page, "[data-testid=lead-convert]")
    convert = page.locator("[data-testid=convert-form]")
    assert convert.locator("#id_customer_name").input_value() == COMPANY
    assert convert.locator("#id_contact_name").input_value() == CONTACT
    assert convert.locator("#id_opportunity_name").input_value() == LEAD_TITLE
    assert Decimal(convert.locator("#id_amount").input_value()) == Decimal("500000")
    _submit(page, "[data-testid=convert]")
    assert lang("The lead is converted.") in _alerts(page, "success")
    assert page.locator("h2.page-title").inner_text().strip().startswith(COMPANY)
    contacts = page.locator("[data-testid=contact-row]")
    assert contacts.count() == 1 and CONTACT in contacts.inner_text()
    deals = page.locator("[data-testid=opportunities] tbody tr")
    assert deals.count() == 1 and stages["lead"].name in deals.inner_text()
    shot(page, "crm-03-customer-after-conversion")
    lead = Lead.objects.get(title=LEAD_TITLE)
    assert lead.status == Lead.Status.CONVERTED
    assert lead.customer is not None and lead.customer.name == COMPANY
    assert lead.contact is not None and lead.opportunity is not None

    # The contact becomes the decision maker (the customer page's contact edit form).
    with page.expect_navigation():
        contacts.get_by_role("link").first.click()
    page.select_option("#id_buying_role", Contact.BuyingRole.DECISION_MAKER.value)
    _submit(page, "[data-testid=crm-form] [data-testid=save]")
    assert lang(Contact.BuyingRole.DECISION_MAKER.label) in contacts.inner_text()

    # 2. The deal: a jump to Closing is refused with every unmet criterion, nothing moves.
    with page.expect_navigation():
        deals.get_by_role("link", name=LEAD_TITLE).click()
    assert _stage_badge(page) == stages["lead"].name
    assert _texts(page, "[data-testid=unmet]") == [lang(ENTRY_CRITERIA["need_confirmed"].unmet)]
    _move_on_page(page, stages["closing"])
    _refused_in_place(page, lang, world, "lead", "need_confirmed", "decision_maker", "lines",
                      "expected_close", "next_step")  # fmt: skip
    shot(page, "crm-04-move-refused")

    # A product line makes the amount (5 × 125,000.00 less 4 % = 600,000.00).
    _submit(page, "[data-testid=line-add]")
    line_form = page.locator("[data-testid=line-form]")
    line_form.locator("[name=product]").select_option(str(world.product.pk))
    line_form.locator("[name=quantity]").fill(QUANTITY)
    line_form.locator("[name=discount_pct]").fill(DISCOUNT)
    _submit(page, "[data-testid=line-form] [data-testid=submit]")
    assert lang("The product is added.") in _alerts(page, "success")
    assert page.locator("[data-testid=line-total]").inner_text().strip() == _money(AMOUNT)
    assert page.locator("[data-testid=deal-amount]").inner_text().strip() == _money(AMOUNT)
    assert _deal(world).amount == AMOUNT

    # lead → need once the need is confirmed (edit form).
    _edit_deal(page, need_confirmed=True)
    assert page.locator("[data-testid=unmet]").count() == 0
    _move_on_page(page, stages["need"])
    _moved(page, lang, world, "need")

    # need → proposal: refused until the decision maker is named, then moved.
    _move_on_page(page, stages["proposal"])
    _refused_in_place(page, lang, world, "need", "decision_maker")
    _edit_deal(page, decision_maker=CONTACT)
    _move_on_page(page, stages["proposal"])
    _moved(page, lang, world, "proposal")
    shot(page, "crm-05-deal-in-proposal")

    # proposal → negotiation: refused until the expected close date is set, then moved.
    _move_on_page(page, stages["negotiation"])
    _refused_in_place(page, lang, world, "proposal", "expected_close")
    close = today + timedelta(days=30)
    _edit_deal(page, expected_close=close.isoformat())
    _move_on_page(page, stages["negotiation"])
    _moved(page, lang, world, "negotiation")
    deal = _deal(world)

    # negotiation → closing on the pipeline board: a drag without a next step is refused
    # (the card goes back, the reason is shown), then with one the card lands in Closing.
    _nav(page, "/crm/pipeline/")
    card = page.locator(f"[data-testid=board-card][data-id='{deal.pk}']")
    closing_col = page.locator("[data-testid=board-column][data-stage-code=closing]")
    _drag(card, closing_col)
    refusal = page.locator("[data-testid=board-refusal]")
    refusal.wait_for()
    assert refusal.locator("li").all_inner_texts() == [lang(ENTRY_CRITERIA["next_step"].unmet)]
    negotiation_col = page.locator("[data-testid=board-column][data-stage-code=negotiation]")
    assert negotiation_col.locator(f"[data-testid=board-card][data-id='{deal.pk}']").count() == 1
    assert closing_col.locator("[data-testid=board-card]").count() == 0
    assert _deal(world).stage.code == "negotiation"
    shot(page, "crm-06-board-refused")

    with page.expect_navigation():
        card.get_by_role("link").click()
    # The edit form must show the expected close date already saved, or saving the next
    # step silently wipes it (and the deal can no longer move on).
    shown = {"expected_close": close.isoformat()}
    _edit_deal(page, shows=shown, next_step="Send the final price and book the signing visit")
    assert page.locator("[data-testid=next-step]").inner_text().startswith("Send the final")
    assert _deal(world).expected_close == close
    _nav(page, "/crm/pipeline/")
    _drag(card, closing_col)
    moved = closing_col.locator(f"[data-testid=board-card][data-id='{deal.pk}']")
    moved.wait_for()
    page.wait_for_function(  # the board reloads itself (htmx) so the totals are exact
        "() => document.querySelector('[data-stage-code=closing] [data-testid=column-count]')"
        ".textContent.trim() === '1'"
    )
    assert closing_col.locator("[data-testid=column-amount]").inner_text().strip() == (
        _money(AMOUNT)
    )
    assert _deal(world).stage.code == "closing"
    shot(page, "crm-07-board-moved-to-closing")

    # 3. Won (deal page's move form) → a draft contract of 600,000.00.
    with page.expect_navigation():
        moved.get_by_role("link").click()
    assert page.locator("[data-testid=unmet]").count() == 0
    _move_on_page(page, stages["won"])
    _moved(page, lang, world, "won")
    assert page.locator("[data-testid=stage-path] [data-state=won]").count() == 1
    shot(page, "crm-08-deal-won")
    contract = Contract.objects.get(opportunity=deal)
    assert page.locator("[data-testid=contract-link]").inner_text().strip() == contract.number

    _submit(page, "[data-testid=contract-link]")
    status = page.locator("[data-testid=contract-status]")
    assert status.inner_text().strip() == lang(Contract.Status.DRAFT.label)
    assert page.locator("[data-testid=contract-amount]").inner_text().strip() == _money(AMOUNT)
    chain = _texts(page, "[data-testid=chain-preview] li")
    assert len(chain) == 2
    assert chain[0].startswith(str(world.cast.supervisor))
    assert chain[1].startswith(str(world.cast.manager))
    _submit(page, "[data-testid=contract-submit]")
    assert lang("The contract is submitted.") in _alerts(page, "success")
    assert status.inner_text().strip() == lang(Contract.Status.PENDING.label)
    assert page.locator("[data-testid=decision-card]").count() == 0  # not the owner's call
    assert page.locator("[data-testid=contract-outstanding]").inner_text().strip() == "—"
    shot(page, "crm-09-contract-submitted")

    # 4. The approvers the contract page names, in turn, approve from their inbox.
    approvers = []
    while status.inner_text().strip() == lang(Contract.Status.PENDING.label):
        approver = _current_approver(page, lang, world)
        assert approver not in approvers
        approvers.append(approver)
        _sign_out(page)
        _approve_from_inbox(page, lang, approver, contract.number)
    assert approvers == ["supervisor", "manager"]
    assert status.inner_text().strip() == lang(Contract.Status.SIGNED.label)
    decisions = page.locator("[data-testid=step-decision]").all_inner_texts()
    assert decisions == [lang(ApprovalStep.Decision.APPROVED.label)] * 2
    assert page.locator("[data-testid=contract-outstanding]").inner_text().strip() == (
        _money(AMOUNT)
    )
    shot(page, "crm-11-contract-signed")

    # 5. Finance records part of the money; collected and outstanding follow.
    _sign_out(page)
    sign_in(page, "finance", PASSWORD)
    _nav(page, "/crm/contracts/")
    with page.expect_navigation():
        page.get_by_role("link", name=contract.number).click()
    _submit(page, "[data-testid=payment-record]")
    pay = page.locator("[data-testid=crm-form]")
    assert Decimal(pay.locator("[name=amount]").input_value()) == AMOUNT  # outstanding offered
    pay.locator("[name=amount]").fill(str(PAID))
    assert pay.locator("[name=received_on]").input_value() == today.isoformat()  # offered
    pay.locator("[name=method]").select_option("bank_transfer")
    pay.locator("[name=reference]").fill("BANK-REF-0001")
    _submit(page, "[data-testid=crm-form] [data-testid=save]")
    assert lang("The payment is recorded.") in _alerts(page, "success")
    collected = page.locator("[data-testid=contract-collected]").inner_text().strip()
    outstanding = page.locator("[data-testid=contract-outstanding]").inner_text().strip()
    assert collected == _money(PAID) == "150,000.50"
    assert outstanding == _money(AMOUNT - PAID) == "449,999.50"
    rows = page.locator("[data-testid=payments] tbody tr")
    assert rows.count() == 1
    assert _money(PAID) in rows.inner_text() and "BANK-REF-0001" in rows.inner_text()
    shot(page, "crm-12-payment-recorded")

    # The records behind the pages.
    deal = _deal(world)
    assert deal.stage.code == "won" and deal.stage.kind == Stage.Kind.WON
    assert deal.closed_at is not None and deal.probability == 100
    assert deal.amount == AMOUNT and deal.expected_close == close
    path = list(
        StageHistory.objects.filter(opportunity=deal).order_by("entered_at", "pk")
        .values_list("stage__code", flat=True)
    )  # fmt: skip
    assert path == ["lead", "need", "proposal", "negotiation", "closing", "won"]
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED
    assert contract.signed_on == today and contract.amount == AMOUNT
    assert contract.owner == world.cast.rep
    steps = list(contract.approvals.order_by("order").values_list("approver__username", "decision"))
    assert steps == [("supervisor", "approved"), ("manager", "approved")]
    payment = Payment.objects.get(contract=contract)
    assert payment.amount == PAID and isinstance(payment.amount, Decimal)
    assert payment.recorded_by == world.cast.finance and payment.received_on == today
