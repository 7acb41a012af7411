"""What every insights page reads from the query string (the window, the unit and the person)
and offers in its toolbar to choose them, with the person search box's suggestions route.

A unit must be one the viewer leads (or below it) and a person one whose records they see;
anything else answers 404, the same as a unit that does not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from salesops.core.exports import export_response
from salesops.crm.forms.widgets import OPTIONS_TEMPLATE
from salesops.crm.selectors.accounts import PICKER_LIMIT
from salesops.insights.forms import PersonPicker
from salesops.insights.lens import (
    Lens,
    Window,
    choices,
    led_units,
    people,
    people_matching,
    top_unit,
)
from salesops.org.models import NAME_FIELDS

QUICK = (
    ("month", gettext_lazy("This month")),
    ("quarter", gettext_lazy("This quarter")),
    ("year", gettext_lazy("This year")),
)


def today() -> date:
    """The local day figures are computed for."""
    return timezone.localdate()


def window_from(request: HttpRequest, default_kind: str, day: date) -> Window:
    """The window asked for ("period", or "from" and "to"), else the current one."""
    start, end = request.GET.get("from", ""), request.GET.get("to", "")
    key = request.GET.get("period", "")
    if start and end and not key:
        key = f"{start}..{end}"
    try:
        return Window.parse(key) if key else Window.containing(default_kind, day)
    except ValueError:
        return Window.containing(default_kind, day)


def _pk(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise Http404 from exc


def lens_from(
    request: HttpRequest,
    *,
    default_kind: str = "month",
    unit_default: bool = False,
    person_default: bool = False,
) -> Lens:
    """The lens of a request. `unit_default`: the viewer's top unit when none is asked for;
    `person_default`: the viewer themself when neither a unit nor a person is asked for."""
    actor: Any = request.user
    day = today()
    window = window_from(request, default_kind, day)
    unit = person = None
    unit_id, person_id = _pk(request, "unit"), _pk(request, "person")
    if unit_id is not None:
        unit = led_units(actor).filter(pk=unit_id).first()
        if unit is None:
            raise Http404
    if person_id is not None:
        person = people(actor).filter(pk=person_id).first()
        if person is None and person_id == actor.pk:
            person = actor
        if person is None:
            raise Http404
    if unit is None and person is None:
        if unit_default:
            unit = top_unit(actor)
        if unit is None and person_default:
            person = actor
    return Lens(actor=actor, window=window, today=day, unit=unit, person=person)


def lens_context(lens: Lens, *, units: bool = True, persons: bool = False) -> dict[str, Any]:
    """What the lens toolbar shows: period choices, and the units / people to pick from."""
    quick = [(label, Window.containing(kind, lens.today).key) for kind, label in QUICK]
    return {
        "lens": lens,
        "quick_periods": quick,
        "period_choices": choices(lens.today),
        "unit_choices": list(led_units(lens.actor)) if units else [],
        **(_person_choice(lens) if persons else {}),
    }


# A unit with more people than this offers a search box for the person instead of a list
# (a director's list is a thousand names: a page of options nobody scrolls).
PERSON_LIST_LIMIT = 60


def _person_choice(lens: Lens) -> dict[str, Any]:
    """The person selector: a list of the unit's people (id and name only) when they are at
    most PERSON_LIST_LIMIT, else a search box holding the lens's person (PersonPicker)."""
    qs = people(lens.actor, lens.unit).select_related(None).only("pk", *NAME_FIELDS)
    few = list(qs[: PERSON_LIST_LIMIT + 1])
    if len(few) <= PERSON_LIST_LIMIT:
        return {"person_choices": few}
    attrs = {"id": "lens-person", "class": "form-control form-control-sm",
             "onchange": "this.form.submit()"}  # fmt: skip
    picker = PersonPicker(lens.person, lens.unit, attrs)
    value = lens.person.pk if lens.person else ""
    return {"person_picker": picker.render("person", value)}


@require_GET
def person_picker(request: HttpRequest) -> HttpResponse:
    """The person search box's suggestions: people of the lens's unit (a unit the viewer leads,
    else 404; all the viewer sees without one) whose name contains the typed text `q`."""
    lens = lens_from(request)
    text = request.GET.get("q", "")
    found = people_matching(lens.actor, lens.unit, text, PICKER_LIMIT)
    return render(request, OPTIONS_TEMPLATE, PersonPicker.suggestions(found, text))


def export(request: HttpRequest, name: str, header: list[Any], rows: list[list[Any]]) -> Any:
    """The table as CSV or Excel when ?export= asks for it, else None."""
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        return export_response(fmt, name, header, rows)
    return None
