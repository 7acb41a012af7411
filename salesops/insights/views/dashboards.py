"""The dashboards: a rep's, a manager's team, and a director's managers. Views shape requests
and charts; the figures come from the insights selectors."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from salesops.core.money import ZERO
from salesops.insights import charts, links
from salesops.insights.lens import Lens, Window
from salesops.insights.selectors import dashboards as selectors
from salesops.insights.selectors import managers as mgr
from salesops.insights.views.common import export, lens_context, lens_from

# --- a rep's dashboard -------------------------------------------------------------------------


def _stage_chart(lens: Lens, stages: list[dict[str, Any]]) -> dict[str, Any]:
    names = [row["stage"].name for row in stages]
    stage_links = [links.drill(lens, "pipeline", stage=row["stage"].pk) for row in stages]
    return charts.bar(
        names,
        [
            (_("Amount"), [row["amount"] for row in stages]),
            (_("Weighted"), [row["weighted"] for row in stages]),
        ],
        links=[stage_links, stage_links],
    )


def _trend_chart(lens: Lens, trend: list[dict[str, Any]]) -> dict[str, Any]:
    month_links = [
        links.drill(replace(lens, window=Window.of(row["period"])), "won") for row in trend
    ]
    return charts.bar(
        [row["period"].key for row in trend],
        [(_("Won revenue"), [row["amount"] for row in trend])],
        links=[month_links],
    )


def _rep_export(request: HttpRequest, data: dict[str, Any]) -> Any:
    if request.GET.get("table") == "targets":
        header = [_("KPI"), _("Target"), _("Actual"), _("Attainment (%)"), _("Status")]
        rows = [
            [t.kpi.label, t.value, t.actual, t.att.pct, t.att.status_label] for t in data["targets"]
        ]
        return export(request, "my-targets", header, rows)
    header = [_("Stage"), _("Deals"), _("Amount"), _("Weighted")]
    rows = [[r["stage"].name, r["n"], r["amount"], r["weighted"]] for r in data["stages"]]
    return export(request, "pipeline-by-stage", header, rows)


def rep(request: HttpRequest) -> HttpResponse:
    lens = lens_from(request, person_default=True)
    if lens.person is None:
        lens = replace(lens, unit=None, person=request.user)  # type: ignore[arg-type]
    data = selectors.rep_dashboard(lens)
    if request.GET.get("export"):
        return _rep_export(request, data)
    context = {
        **lens_context(lens, units=False),
        **data,
        "is_me": lens.person.pk == request.user.pk,
        "now": timezone.now(),
        "stage_chart": _stage_chart(lens, data["stages"]),
        "trend_chart": _trend_chart(lens, data["trend"]),
    }
    return render(request, "insights/rep.html", context)


# --- a manager's team --------------------------------------------------------------------------


def _leaderboard(lens: Lens, data: dict[str, Any]) -> list[dict[str, Any]]:
    won = data["won_by"]
    board = [
        {
            "person": p,
            "won": won.get(p.pk, {}).get("total", ZERO),
            "n": won.get(p.pk, {}).get("n", 0),
            "alerts": data["alert_n"].get(p.pk, 0),
        }
        for p in data["members"]
    ]
    board.sort(key=lambda row: (-row["won"], str(row["person"])))
    return board


def _team_charts(lens: Lens, data: dict[str, Any], board: list[dict[str, Any]]) -> dict[str, Any]:
    top = board[:15]
    person_links = [links.drill(lens, "won", person=row["person"].pk) for row in top]
    stages = data["stages"]
    buckets, members = data["buckets"], data["shown_members"]
    index = {b.key: i for i, b in enumerate(buckets)}
    by_owner: dict[Any, list[tuple[str, Any]]] = {}
    for (owner, key), parts in data["volume"].items():  # once, not once per member
        by_owner.setdefault(owner, []).append((key, parts))
    cells = [
        (index[key], row, parts.get("n", 0))
        for row, person in enumerate(members)
        for key, parts in by_owner.get(person.pk, [])
        if key in index
    ]
    return {
        "leader_chart": charts.bar(
            [str(row["person"]) for row in reversed(top)],
            [(_("Won revenue"), [row["won"] for row in reversed(top)])],
            links=[list(reversed(person_links))],
            horizontal=True,
        ),
        "funnel_chart": charts.funnel(
            [(row["stage"].name, row["n"]) for row in stages],
            [links.drill(lens, "pipeline", stage=row["stage"].pk) for row in stages],
        ),
        "volume_chart": charts.heatmap(
            [b.key for b in buckets],
            [str(p) for p in members],
            cells,
        ),
        "volume_height": max(220, 36 * len(members) + 90),
    }


def _team_export(request: HttpRequest, data: dict[str, Any], board: list[dict[str, Any]]) -> Any:
    if request.GET.get("table") == "leaderboard":
        header = [_("Person"), _("Unit"), _("Won deals"), _("Won revenue"), _("Open alerts")]
        rows = [
            [str(r["person"]), str(r["person"].unit or ""), r["n"], r["won"], r["alerts"]]
            for r in board
        ]
        return export(request, "leaderboard", header, rows)
    columns: list[Any] = [_("Person"), _("Unit")]
    for k in data["kpi_list"]:
        columns += [f"{k.label}: {_('target')}", f"{k.label}: {_('actual')}", f"{k.label}: %"]
    rows = []
    for row in data["rows"]:
        line: list[Any] = [str(row.person), str(row.person.unit or "")]
        for cell in row.cells:
            line += [
                cell.target.value if cell.target else None,
                cell.actual,
                cell.att.pct if cell.att else None,
            ]
        rows.append(line)
    return export(request, "team-attainment", columns, rows)


def team(request: HttpRequest) -> HttpResponse:
    lens = lens_from(request, unit_default=True)
    if lens.person is not None:
        return redirect(links.page("insights:rep", lens))
    exporting = bool(request.GET.get("export"))
    data = selectors.team_dashboard(lens, full=exporting) if lens.unit is not None else None
    board = _leaderboard(lens, data) if data else []
    if data and exporting:
        return _team_export(request, data, board)
    context = {**lens_context(lens), "data": data, "board": board}
    if data:
        context.update(data)
        context.update(_team_charts(lens, data, board))
    return render(request, "insights/team.html", context)


# --- a director's managers ---------------------------------------------------------------------


def _managers_export(request: HttpRequest, rows: list[mgr.ManagerRow]) -> Any:
    header = [
        _("Manager"),
        _("Unit"),
        _("People"),
        _("Won revenue"),
        _("Target"),
        _("Attainment (%)"),
        _("Projected attainment (%)"),
        _("Pipeline coverage"),
        _("Win rate (%)"),
        _("Average cycle (days)"),
        _("Activities per person per week"),
        _("New customers"),
        _("Coaching visits"),
        _("Won revenue, previous period"),
        _("Attainment (%), previous period"),
    ]
    data = [
        [
            str(r.manager),
            r.unit.name,
            r.headcount,
            r.now.won,
            r.now.target.value if r.now.target else None,
            r.now.attainment,
            r.now.pace,
            r.coverage,
            r.now.win_rate,
            r.now.cycle,
            r.now.activity,
            r.now.new_customers,
            r.now.coaching,
            r.before.won,
            r.before.attainment,
        ]
        for r in rows
    ]
    return export(request, "managers", header, data)


def _managers_chart(lens: Lens, rows: list[mgr.ManagerRow]) -> dict[str, Any]:
    names = [r.name for r in rows]
    now_links = [links.drill(lens, "won", unit=r.unit.pk) for r in rows]
    before = replace(lens, window=lens.window.previous())
    before_links = [links.drill(before, "won", unit=r.unit.pk) for r in rows]
    return charts.bar(
        names,
        [
            (lens.window.label, [r.now.won for r in rows]),
            (before.window.label, [r.before.won for r in rows]),
        ],
        links=[now_links, before_links],
        colors=["#206bc4", "#a5c8f0"],
    )


def managers(request: HttpRequest) -> HttpResponse:
    lens = lens_from(request, unit_default=True)
    sort = request.GET.get("sort", "name")
    rows = mgr.manager_rows(lens, sort)
    if request.GET.get("export"):
        return _managers_export(request, rows)
    context = {
        **lens_context(lens),
        "rows": rows,
        "sort": sort,
        "previous": replace(lens, window=lens.window.previous()),
        "chart": _managers_chart(lens, rows) if rows else None,
    }
    return render(request, "insights/managers.html", context)
