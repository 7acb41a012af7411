"""Target pages that read: my targets, team attainment, the target tree, a target, its
records, the list of targets, history and the KPI catalogue. Writes are in views_edit.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesops.core.exports import export_response
from salesops.core.htmx import render_page
from salesops.core.lists import Col, ListSpec, list_response
from salesops.core.periods import Period
from salesops.core.policy import allows
from salesops.core.visibility import get_visible_or_404
from salesops.org.models import OrgUnit, User
from salesops.targets import kpis, reports, selectors
from salesops.targets.forms import FilterForm
from salesops.targets.pacing import STATUS_LABELS
from salesops.targets.permissions import may_set

L = gettext_lazy
KIND_TITLES = {"year": L("This year"), "quarter": L("This quarter"), "month": L("This month")}
# A person's position label by value, read once (the team table shows one on each row).
POSITIONS = dict(User._meta.get_field("position").flatchoices)


def today() -> date:
    """The local day every attainment is computed for."""
    return timezone.localdate()


def my_targets(request: HttpRequest) -> HttpResponse:
    day = today()
    mine = selectors.my_targets(actor=request.user, today=day)
    sections = [
        {
            "kind": kind,
            "title": title,
            "period": Period.containing(kind, day),
            "targets": [t for t in mine if t.period_kind == kind],
        }
        for kind, title in KIND_TITLES.items()
    ]
    context = {
        "sections": sections,
        "today": day,
        "count": len(mine),
        "decisions": selectors.proposals(actor=request.user).order_by("period_start")[:20],
        "can_propose": allows(request.user, "targets:propose"),
    }
    return render(request, "targets/my.html", context)


def _filters(
    request: HttpRequest, default_kind: str, one_kpi: bool = False
) -> tuple[Any, OrgUnit | None, Period, Any]:
    day = today()
    initial = {"period": Period.containing(default_kind, day).key, "kpi": "won_revenue"}
    form = FilterForm(
        request.GET or None,
        actor=request.user,
        today=day,
        one_kpi=one_kpi,
        initial=initial if one_kpi else {"period": initial["period"]},
    )
    data = form.cleaned_data if form.is_valid() else {}
    unit = None
    if data.get("unit"):
        unit = get_visible_or_404(OrgUnit, request.user, pk=data["unit"])
    period = Period.parse(data.get("period") or Period.containing(default_kind, day).key)
    kpi = None
    if data.get("kpi"):
        kpi = selectors.kpi_catalogue(actor=request.user).filter(code=data["kpi"]).first()
    return form, unit, period, kpi


def _export_team(fmt: str, kpi_list: list[Any], rows: list[reports.Row]) -> Any:
    header: list[Any] = [_("Person"), _("Unit")]
    for k in kpi_list:
        header += [
            f"{k.label}: {_('target')}",
            f"{k.label}: {_('actual')}",
            f"{k.label}: %",
            f"{k.label}: {_('status')}",
        ]
    lines = []
    for row in rows:
        line: list[Any] = [str(row.person), str(row.person.unit or "")]
        for c in row.cells:
            line += [
                c.target.value if c.target else None,
                c.actual,
                c.att.pct if c.att else None,
                str(STATUS_LABELS[c.att.status]) if c.att else "",
            ]
        lines.append(line)
    return export_response(fmt, "team-attainment", header, lines)


def team(request: HttpRequest) -> HttpResponse:
    form, unit, period, kpi = _filters(request, "month")
    kpi_list, rows = reports.team_table(
        actor=request.user, unit=unit, period=period, kpi_list=[kpi] if kpi else None, today=today()
    )
    sort = request.GET.get("sort", "")
    rows = reports.sort_rows(rows, kpi_list, sort)
    if request.GET.get("export") in ("csv", "xlsx"):
        return _export_team(request.GET["export"], kpi_list, rows)
    query = request.GET.copy()
    for name in ("sort", "page", "export"):
        query.pop(name, None)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "unit": unit,
        "period": period,
        "kpi_list": kpi_list,
        "page": page,
        "positions": POSITIONS,
        "sort": sort,
        "querystring": query.urlencode(),
    }
    return render_page(request, "targets/team.html", context, partial="results")


def tree(request: HttpRequest) -> HttpResponse:
    form, _unit, period, kpi = _filters(request, "year", one_kpi=True)
    kpi = kpi or selectors.kpi_catalogue(actor=request.user).filter(code="won_revenue").first()
    if kpi is None:
        raise Http404
    roots = reports.tree(actor=request.user, kpi=kpi, period=period, today=today())
    context = {
        "form": form,
        "kpi": kpi,
        "period": period,
        "roots": roots,
        "collapse_people": reports.count_units(roots) > 4,
    }
    return render_page(request, "targets/tree.html", context, partial="tree")


TARGET_SPEC = ListSpec(
    name="targets",
    columns=[
        Col("period", L("Period"), sort="period_start", value="period_key"),
        Col("kpi", L("KPI"), sort="kpi__order", value="kpi__name"),
        Col("owner", L("For"), sort="owner_name", value="owner_name"),
        Col("value", L("Target"), sort="value", align="end"),
        Col("status", L("Status"), sort="status"),
        Col("method", L("Set by"), sort="method"),
        Col("updated_at", L("Changed"), sort="updated_at"),
    ],
    search=[
        "owner_user__display_name",
        "owner_user__username",
        "owner_unit__name",
        "description",
    ],
    default_sort="-period",
)


def target_list(request: HttpRequest) -> HttpResponse:
    from django.db.models.functions import Coalesce

    qs = selectors.targets(actor=request.user).annotate(
        owner_name=Coalesce("owner_unit__name", "owner_user__display_name")
    )
    if request.GET.get("period"):
        qs = qs.filter(period_key=request.GET["period"])
    if request.GET.get("status"):
        qs = qs.filter(status=request.GET["status"])
    return list_response(request, TARGET_SPEC, qs, "targets/target_list.html")


def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_visible_or_404(selectors.targets(actor=request.user), request.user, pk=pk)
    day = today()
    selectors.attach([target], day)
    children = selectors.children_of(target)
    selectors.attach(children["org"] + children["time"], day)
    past = selectors.past_results(target)
    from salesops.targets.splitting import mismatch

    split = {
        name: mismatch(target.value, [c.value for c in kids])
        for name, kids in children.items()
        if kids and target.kpi.additive
    }
    parent_visible = (
        target.parent_id
        and selectors.targets(actor=request.user).filter(pk=target.parent_id).exists()
    )
    context = {
        "target": target,
        "children": children,
        "split": split,
        "past": past,
        "stretch": selectors.stretch_flag(target, past),
        "parent_visible": parent_visible,
        "revisions": target.revisions.select_related("actor")[:50],
        "can_set": may_set(request.user, person=target.owner_user, unit=target.owner_unit),
        "can_split": bool(target.owner_unit_id),
        "can_drill": not target.kpi.is_manual,
    }
    return render(request, "targets/target_detail.html", context)


def target_records(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_visible_or_404(selectors.targets(actor=request.user), request.user, pk=pk)
    if target.kpi.is_manual:
        raise Http404
    source = kpis.SOURCES[target.kpi.source]
    qs, info = reports.target_records(actor=request.user, target=target)
    columns = [
        Col(c.path, c.label, sort=c.path, value=c.path, align=c.align) for c in source.columns
    ]
    totals: dict[str, Any] = {"n": Count("pk")}
    if target.kpi.measure == "amount" or "amount" in source.measures:
        totals["amount"] = Sum("amount")
    if target.kpi.aggregate == "ratio":
        totals["num"] = Count("pk", filter=kpis.filter_q(source, target.kpi.numerator))
    spec = ListSpec(
        name=f"records-{source.code}",
        columns=columns,
        search=list(source.search),
        totals=totals,
        default_sort=f"-{source.columns[-1].path}",
    )
    selectors.attach([target], today())
    context = {
        "target": target,
        "source": source,
        "labels": _choice_labels(source),
        "hidden": info["hidden"],
        "paths": [c.path for c in source.columns],
    }
    route, link_field = kpis.LINKS.get(source.code, ("", "pk"))
    context.update({"link_route": route, "link_field": link_field})
    rows = qs.values(*{"pk", link_field, *(c.path for c in source.columns)})
    return list_response(request, spec, rows, "targets/records.html", context)


def _choice_labels(source: kpis.Source) -> dict[str, dict[Any, Any]]:
    """Display labels of the coded columns (activity types, lead statuses)."""
    model = source.model_class()
    labels = {}
    for column in source.columns:
        if "__" in column.path:
            continue
        field = model._meta.get_field(column.path)
        if getattr(field, "choices", None):
            labels[column.path] = dict(field.choices)
    return labels


def _owner_from(request: HttpRequest) -> tuple[User | None, OrgUnit | None]:
    value = request.GET.get("owner", "")
    kind, _sep, pk = value.partition(":")
    if kind == "unit" and pk.isdigit():
        return None, get_visible_or_404(OrgUnit, request.user, pk=int(pk))
    if kind == "user" and pk.isdigit():
        return get_visible_or_404(User, request.user, pk=int(pk)), None
    return request.user, None  # type: ignore[return-value]


def history(request: HttpRequest) -> HttpResponse:
    user, unit = _owner_from(request)
    kind = request.GET.get("kind", "month")
    kind = kind if kind in ("year", "quarter", "month") else "month"
    count = {"year": 3, "quarter": 8, "month": 12}[kind]
    periods, rows = reports.history(
        actor=request.user, user=user, unit=unit, kind=kind, count=count, today=today()
    )
    chart = None
    if rows and rows[0]["kpi"].additive:
        cells = rows[0]["cells"]
        chart = {
            "kpi": str(rows[0]["kpi"].label),
            "periods": [p.key for p in periods],
            "target": [str(c.value) if c else None for c in cells],
            "actual": [str(c.actual) if c and c.actual is not None else None for c in cells],
        }
    context = {
        "owner": user or unit,
        "owner_key": request.GET.get("owner", ""),
        "kind": kind,
        "periods": periods,
        "rows": rows,
        "chart": chart,
    }
    return render(request, "targets/history.html", context)


def kpi_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.kpi_catalogue(actor=request.user, active=None)
    rows = [{"kpi": k, "source": kpis.SOURCES.get(k.source)} for k in qs]
    context = {"rows": rows, "can_manage": allows(request.user, "targets:kpi_create")}
    return render(request, "targets/kpi_list.html", context)
