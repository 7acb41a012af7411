"""Dashboards and reports: the product's selectors beside hand-written SQL for their figures.

Each answer is normalised to plain integers (money in cents, counts) keyed by ids, so the
product's and the limit's answers compare exactly. Dated records belong to the unit their owner
was in on the record's local date (the assignment history), as in the product.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bench.harness import Op, register
from bench.ops import sql
from bench.ops.sql import bounds, cents, local_day, owner_in, rows, unit_join
from salesops.core.periods import Period, between
from salesops.crm.models import StagesReached
from salesops.insights import metrics
from salesops.insights.lens import Lens, Window
from salesops.insights.selectors import dashboards, forecast, funnel
from salesops.targets import reports
from salesops.targets.models import KpiDefinition
from salesops.targets.selectors import people_values

WON = "JOIN crm_stage s ON s.id = o.stage_id AND s.kind = 'won'"


def _lens(ctx: Any, role: str, unit: str | None) -> Lens:
    window = Window.of(ctx.quarter)
    return Lens(ctx.people[role], window, ctx.anchor, ctx.units.get(unit) if unit else None)


def _path(ctx: Any, unit: str) -> str:
    return f"{ctx.units[unit].path}%"


# --- dashboards ------------------------------------------------------------------------------


def _dash_product(role: str, unit: str) -> Any:
    def run(ctx: Any) -> dict[str, Any]:
        d = dashboards.team_dashboard(_lens(ctx, role, unit))
        f = d["figures"]
        # The activity grid holds the people the dashboard shows (dashboards.focus; its choice
        # is tested in the product's tests): the limit reads the grid of the same people.
        ctx.cache[("shown", role, unit)] = [p.pk for p in d["shown_members"]]
        return {
            "won": cents(f["won"]["value"]),
            "activities": int(f["activities"]["value"] or 0),
            "pipeline": cents(f["pipeline"]["value"]),
            "won_by": {k: cents(v.get("total")) for k, v in d["won_by"].items()},
            "volume": {k: v["n"] for k, v in d["volume"].items()},
            "stages": {r["stage"].pk: (r["n"], cents(r["amount"])) for r in d["stages"] if r["n"]},
        }

    return run


def _dash_limit(role: str, unit: str) -> Any:
    def run(ctx: Any) -> dict[str, Any]:
        actor, path = ctx.people[role], _path(ctx, unit)
        scope, scope_params = owner_in("o.owner_id", sql.scope_ids(actor))
        span = bounds(ctx.quarter.start, ctx.quarter.end)
        won_by = rows(
            f"SELECT o.owner_id, SUM(o.amount) FROM crm_opportunity o {WON}"
            f"{unit_join('o.owner_id', local_day('o.closed_at'))}"
            f" WHERE o.closed_at >= %s AND o.closed_at < %s{scope} GROUP BY o.owner_id",
            [path, *span, *scope_params],
        )
        act_scope, act_params = owner_in("t.owner_id", sql.scope_ids(actor))
        done = (
            f" FROM crm_activity t{unit_join('t.owner_id', local_day('t.done_at'))}"
            f" WHERE t.status = 'done' AND t.done_at >= %s AND t.done_at < %s{act_scope}"
        )
        activities = rows(f"SELECT COUNT(*){done}", [path, *span, *act_params])[0][0]
        weeks = between("week", ctx.quarter.start, ctx.quarter.end)
        week, week_params = sql.bucket_case("t.done_at", weeks)
        shown, shown_params = owner_in("t.owner_id", ctx.cache[("shown", role, unit)])
        volume = rows(
            f"SELECT t.owner_id, {week}, COUNT(*){done}{shown} GROUP BY 1, 2",
            [*week_params, path, *span, *act_params, *shown_params],
        )
        stages = rows(
            "SELECT o.stage_id, COUNT(*), SUM(o.amount) FROM crm_opportunity o"
            " JOIN crm_stage s ON s.id = o.stage_id AND s.kind = 'open'"
            " JOIN org_user p ON p.id = o.owner_id JOIN org_orgunit u ON u.id = p.unit_id"
            f" WHERE o.closed_at IS NULL AND u.path LIKE %s{scope} GROUP BY o.stage_id",
            [path, *scope_params],
        )
        return {
            "won": sum(int(t) for _o, t in won_by),
            "activities": activities,
            "pipeline": sum(int(a) for _s, _n, a in stages),
            "won_by": {o: int(t) for o, t in won_by},
            "volume": {(o, weeks[w].key): n for o, w, n in volume},
            "stages": {s: (n, int(a)) for s, n, a in stages},
        }

    return run


# --- funnel ----------------------------------------------------------------------------------


def _funnel_product(role: str, unit: str) -> Any:
    def run(ctx: Any) -> dict[int, tuple[int, int, int]]:
        lens = _lens(ctx, role, unit)
        defs = metrics.kpi_definitions(funnel.FUNNEL_KPIS)
        return {
            r["stage"].pk: (r["reached"], int(r["open"].get("n", 0)), r["stays"])
            for r in funnel.stage_rows(lens, defs)
        }

    return run


def _funnel_limit(role: str, unit: str) -> Any:
    def run(ctx: Any) -> dict[int, tuple[int, int, int]]:
        actor, path = ctx.people[role], _path(ctx, unit)
        scope, params = owner_in("o.owner_id", sql.scope_ids(actor))
        span = bounds(ctx.quarter.start, ctx.quarter.end)
        kinds = rows('SELECT id, "order", kind FROM crm_stage')
        reached = _reached_limit(kinds, path, span, scope, params)
        open_now = dict(
            rows(
                "SELECT o.stage_id, COUNT(*) FROM crm_opportunity o"
                " JOIN crm_stage s ON s.id = o.stage_id AND s.kind = 'open'"
                " JOIN org_user p ON p.id = o.owner_id JOIN org_orgunit u ON u.id = p.unit_id"
                f" WHERE o.closed_at IS NULL AND u.path LIKE %s{scope} GROUP BY o.stage_id",
                [path, *params],
            )
        )
        stays = dict(
            rows(
                "SELECT h.stage_id, COUNT(*) FROM crm_stagehistory h"
                " JOIN crm_stage s ON s.id = h.stage_id AND s.kind = 'open'"
                " JOIN crm_opportunity o ON o.id = h.opportunity_id"
                f"{unit_join('o.owner_id', local_day('h.left_at'))}"
                f" WHERE h.left_at >= %s AND h.left_at < %s{scope} GROUP BY h.stage_id",
                [path, *span, *params],
            )
        )
        stages = rows(
            "SELECT id, \"order\" FROM crm_stage WHERE is_active AND kind IN ('open', 'won')"
        )
        return {sid: (reached(order), open_now.get(sid, 0), stays.get(sid, 0))
                for sid, order in stages}  # fmt: skip

    return run


def _reached_limit(kinds: list[Any], path: str, span: list[Any], scope: str,
                   params: list[Any]) -> Any:  # fmt: skip
    """The cohort's deals that reached a stage order or later: from the stages-reached bits
    (crm.StagesReached), or from each deal's furthest stage in its history when a stage id has
    no bit (as the product)."""

    def cohort(join: str) -> str:
        return (f" FROM crm_opportunity o{unit_join('o.owner_id', local_day('o.created_at'))}"
                f"{join} WHERE o.created_at >= %s AND o.created_at < %s{scope}")  # fmt: skip

    if any(pk > StagesReached.MAX_BIT for pk, _order, _kind in kinds):
        join = (" JOIN crm_stagehistory h ON h.opportunity_id = o.id"
                " JOIN crm_stage s ON s.id = h.stage_id AND s.kind <> 'lost'")  # fmt: skip
        sql = 'SELECT o.id, MAX(s."order") AS reach' + cohort(join) + " GROUP BY o.id"
        reach = rows(f"SELECT r.reach, COUNT(*) FROM ({sql}) r GROUP BY r.reach",
                     [path, *span, *params])  # fmt: skip
        return lambda order: sum(n for r, n in reach if r is not None and r >= order)
    join = " JOIN crm_stagesreached b ON b.opportunity_id = o.id"
    found = rows("SELECT b.bits, COUNT(*)" + cohort(join) + " GROUP BY b.bits",
                 [path, *span, *params])  # fmt: skip

    def reached(order: int) -> int:
        later = sum(1 << i for i, o, kind in kinds if kind != "lost" and o >= order)
        return sum(n for bits, n in found if bits & later)

    return reached


# --- people's win rate and cycle, leaderboard, attainment, roll-up, forecast ----------------


def _kpi(code: str) -> KpiDefinition:
    return KpiDefinition.objects.get(code=code)


def _rates_product(ctx: Any) -> dict[int, tuple[Any, Any]]:
    if "sales_people" not in ctx.cache:  # an input, read once (setdefault read it every run)
        ctx.cache["sales_people"] = _sales_people()
    people = [p.pk for p in ctx.cache["sales_people"]]
    found = people_values([_kpi("win_rate"), _kpi("sales_cycle")], ctx.quarter, people)
    rate, cycle = found["win_rate"], found["sales_cycle"]
    return {p: (str(rate.get(p)), str(cycle.get(p))) for p in people if p in rate or p in cycle}


def _sales_people() -> list[Any]:
    from salesops.org.models import User
    from salesops.org.roles import SALES_ROLES

    return list(User.objects.filter(is_active=True, position__in=SALES_ROLES).order_by("pk"))


def _rate(num: int, den: int) -> str:
    if not den:
        return "None"
    return str((Decimal(100 * num) / den).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _days(seconds: Any, n: int) -> str:
    if not n:
        return "None"
    return str((Decimal(int(seconds)) / 86_400 / n).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _rates_limit(ctx: Any) -> dict[int, tuple[Any, Any]]:
    seconds = (
        "EXTRACT(EPOCH FROM o.closed_at - o.created_at)"
        if sql.pg()
        else "(strftime('%%s', o.closed_at) - strftime('%%s', o.created_at))"
    )
    found = rows(
        "SELECT o.owner_id, COUNT(*), SUM(CASE WHEN s.kind = 'won' THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN s.kind = 'won' THEN {seconds} ELSE 0 END)"
        " FROM crm_opportunity o JOIN crm_stage s ON s.id = o.stage_id"
        " JOIN org_user p ON p.id = o.owner_id"
        " WHERE s.kind IN ('won', 'lost') AND o.closed_at >= %s AND o.closed_at < %s"
        " AND p.is_active AND p.position IN ('rep', 'supervisor', 'manager', 'senior_manager',"
        " 'director', 'channel_manager') GROUP BY o.owner_id",
        bounds(ctx.quarter.start, ctx.quarter.end),
    )
    return {o: (_rate(won, n), _days(secs, won)) for o, n, won, secs in found}


def _leaders_product(ctx: Any) -> list[tuple[int, int]]:
    lens = _lens(ctx, "director", "company")
    kpi = _kpi("won_revenue")
    won = metrics.by_owner(
        metrics.dated(lens, kpi, ctx.quarter.start, ctx.quarter.end), metrics.kpi_aggregates(kpi)
    )
    ranked = sorted(won.items(), key=lambda kv: (-kv[1]["total"], kv[0]))[:20]
    return [(owner, cents(parts["total"]) or 0) for owner, parts in ranked]


def _leaders_limit(ctx: Any) -> list[tuple[int, int]]:
    found = rows(
        f"SELECT o.owner_id, SUM(o.amount) AS won FROM crm_opportunity o {WON}"
        f"{unit_join('o.owner_id', local_day('o.closed_at'))}"
        " WHERE o.closed_at >= %s AND o.closed_at < %s"
        " GROUP BY o.owner_id ORDER BY won DESC, o.owner_id LIMIT 20",
        [_path(ctx, "company"), *bounds(ctx.quarter.start, ctx.quarter.end)],
    )
    return [(o, int(t)) for o, t in found]


def _attain_product(ctx: Any) -> dict[tuple[int, str], tuple[Any, Any]]:
    _kpis, table = reports.team_table(
        actor=ctx.people["manager"], unit=ctx.units["manager"], period=ctx.quarter,
        kpi_list=None, today=ctx.anchor,
    )  # fmt: skip
    return {
        (row.person.pk, cell.kpi.code): (cents(cell.target.value), cents(cell.actual))
        for row in table
        for cell in row.cells
        if cell.target is not None
    }


def _attain_limit(ctx: Any) -> dict[tuple[int, str], tuple[Any, Any]]:
    path = _path(ctx, "manager")
    found = rows(
        "SELECT t.owner_user_id, k.code, t.value, (SELECT COALESCE(SUM(o.amount), 0)"
        f"  FROM crm_opportunity o {WON} WHERE o.owner_id = t.owner_user_id"
        "   AND o.closed_at >= %s AND o.closed_at < %s)"
        " FROM targets_target t JOIN targets_kpidefinition k ON k.id = t.kpi_id"
        " JOIN org_user p ON p.id = t.owner_user_id JOIN org_orgunit u ON u.id = p.unit_id"
        " WHERE t.period_key = %s AND u.path LIKE %s AND p.is_active AND k.code = 'won_revenue'",
        [*bounds(ctx.quarter.start, ctx.quarter.end), ctx.quarter.key, path],
    )
    return {(p, code): (int(v), int(a)) for p, code, v, a in found}


def _rollup_product(ctx: Any) -> dict[int, tuple[Any, Any]]:
    nodes = reports.tree(actor=ctx.people["director"], kpi=_kpi("won_revenue"),
                         period=ctx.year, today=ctx.anchor)  # fmt: skip
    found: dict[int, tuple[Any, Any]] = {}
    stack = list(nodes)
    while stack:
        node = stack.pop()
        found[node.unit.pk] = (cents(node.target.value) if node.target else None,
                               cents(node.actual))  # fmt: skip
        stack.extend(node.children)
    return found


def _rollup_limit(ctx: Any) -> dict[int, tuple[Any, Any]]:
    span = bounds(ctx.year.start, ctx.year.end)
    found = rows(
        "WITH leaf AS (SELECT a.unit_id, SUM(o.amount) AS won FROM crm_opportunity o"
        f" {WON} JOIN org_assignment a ON a.user_id = o.owner_id"
        f" AND a.start <= {local_day('o.closed_at')}"
        f' AND (a."end" IS NULL OR a."end" >= {local_day("o.closed_at")})'
        " WHERE o.closed_at >= %s AND o.closed_at < %s GROUP BY a.unit_id)"
        " SELECT u.id, t.value, (SELECT COALESCE(SUM(leaf.won), 0) FROM leaf"
        "   JOIN org_orgunit l ON l.id = leaf.unit_id WHERE l.path LIKE u.path || '%%')"
        " FROM org_orgunit u LEFT JOIN targets_target t ON t.owner_unit_id = u.id"
        "  AND t.period_key = %s AND t.kpi_id = (SELECT id FROM targets_kpidefinition"
        "  WHERE code = 'won_revenue') WHERE u.is_active",
        [*span, ctx.year.key],
    )
    return {u: (int(v) if v is not None else None, int(a)) for u, v, a in found}


def _forecast_product(ctx: Any) -> dict[tuple[str, str], tuple[int, int]]:
    lens = _lens(ctx, "manager", "manager")
    cells = forecast.by_month(lens)["cells"]
    return {k: (int(p["n"]), cents(p["weighted"]) or 0) for k, p in cells.items()}


def _forecast_limit(ctx: Any) -> dict[tuple[str, str], tuple[int, int]]:
    scope, params = owner_in("o.owner_id", sql.scope_ids(ctx.people["manager"]))
    last = Period.containing("month", ctx.quarter.start)
    for _i in range(5):  # the six months the product's by_month shows
        last = last.next()
    month_key = "to_char(o.expected_close, 'YYYY-MM')" if sql.pg() else (
        "strftime('%%Y-%%m', o.expected_close)")  # fmt: skip
    found = rows(
        f"SELECT {month_key}, o.forecast_category, COUNT(*),"
        " SUM((o.amount * o.probability + 50) / 100) FROM crm_opportunity o"
        " JOIN crm_stage s ON s.id = o.stage_id AND s.kind = 'open'"
        " JOIN org_user p ON p.id = o.owner_id JOIN org_orgunit u ON u.id = p.unit_id"
        " WHERE o.closed_at IS NULL AND u.path LIKE %s AND o.expected_close >= %s"
        f" AND o.expected_close <= %s{scope} GROUP BY 1, 2",
        [_path(ctx, "manager"), ctx.quarter.start, last.end, *params],
    )
    return {(m, c): (n, int(w)) for m, c, n, w in found}


register(
    Op("dashboard: director, whole company, quarter", "dashboards",
       _dash_product("director", "company"), _dash_limit("director", "company")),
    Op("dashboard: manager, branch subtree, quarter", "dashboards",
       _dash_product("manager", "manager"), _dash_limit("manager", "manager")),
    Op("funnel: region, quarter", "reports",
       _funnel_product("senior_manager", "senior_manager"),
       _funnel_limit("senior_manager", "senior_manager")),
    Op("funnel: whole company, quarter", "reports",
       _funnel_product("director", "company"), _funnel_limit("director", "company")),
    Op("win rate and cycle by person, quarter", "reports", _rates_product, _rates_limit),
    Op("team attainment (people × KPIs), branch, quarter", "reports", _attain_product,
       _attain_limit),
    Op("target roll-up: company tree, year", "reports", _rollup_product, _rollup_limit),
    Op("leaderboard: top 20 by won revenue, quarter", "reports", _leaders_product,
       _leaders_limit),
    Op("forecast: weighted by month, branch subtree", "reports", _forecast_product,
       _forecast_limit),
)  # fmt: skip
