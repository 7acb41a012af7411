"""Lists and customer search: what the list pages compute for one request (the view's own
spec and visible rows, then core.lists' search, filters, sort, exact totals and page 1, saved
filters included; only the template rendering is left out), beside hand-written SQL returning
the same page rows (ids in order), row count and totals.

Each product run loads the actor afresh, as the authentication middleware does per request, so
the actor's scope (an id list) is computed inside the timing like on a real page.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal
from time import process_time
from typing import Any

from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from bench import harness
from bench.harness import Op

# A company word and the first character of a trade (bench/data/names.py): 169 customers at M.
SEARCH_TEXT = "华辰科"
PER_PAGE = 50  # core.lists.ListSpec's default page size, used by these lists


# --- the product side -------------------------------------------------------------------------


def _actor(ctx: Any, role: str) -> Any:
    from salesops.org.models import User

    return User.objects.select_related("unit").get(pk=ctx.people[role].pk)


def _request(ctx: Any, role: str, params: dict[str, Any]) -> Any:
    request = RequestFactory().get("/", params)
    request.user = _actor(ctx, role)
    return request


def _cents(value: Any) -> int:
    return int(Decimal(value or 0) * 100)


def _page(source: Callable[[Any], Any], ctx: Any, role: str, params: dict[str, Any]) -> Any:
    """One list request through core.lists: page row ids, the paginator's count, totals."""
    from salesops.core.lists import list_context

    request = _request(ctx, role, params)
    page = list_context(request, *source(request))
    list(page["saved_filters"])
    rows = [row.pk for row in page["page"].object_list]
    totals = {k: v if k == "count" else _cents(v) for k, v in page["totals"].items()}
    return {"rows": rows, "count": page["page"].paginator.count, "totals": totals}


def _opportunities(request: Any) -> Any:
    from salesops.crm.views.sales import opportunity_list_source

    return opportunity_list_source(request)


def _customers(request: Any) -> Any:
    from salesops.crm.views.accounts import customer_list_source

    return customer_list_source(request)


def _activities(request: Any) -> Any:
    from salesops.crm.views.sales import activity_list_source

    return activity_list_source(request)


def _deal_filters(ctx: Any, stage: str) -> dict[str, Any]:
    """The query string: deals expected to close next quarter, biggest first, in one stage or
    all open ones (worked out once before the timings, as a link holds it)."""
    from salesops.core.periods import Period
    from salesops.crm.models import Stage

    key = f"lists:deal-filters:{stage}"
    if key not in ctx.cache:
        quarter = Period.containing("quarter", ctx.anchor).next()
        params: dict[str, Any] = {
            "close_from": quarter.start.isoformat(),
            "close_to": quarter.end.isoformat(),
            "sort": "-amount",
        }
        if stage:
            params["stage"] = Stage.objects.get(code=stage).pk
        ctx.cache[key] = params
    return ctx.cache[key]  # type: ignore[no-any-return]


def _now(ctx: Any) -> datetime:
    """The activity views' "now": 11:00 on the anchor day, the generator's clock."""
    return timezone.make_aware(datetime.combine(ctx.anchor, time(11)))


def my_activities(ctx: Any) -> Any:
    """The "my activities" page's selectors for a rep (its small person form left out)."""
    from salesops.crm.selectors import sales as selectors

    actor, now = _actor(ctx, "rep"), _now(ctx)
    mine = selectors.my_activities(actor=actor, now=now)
    team = selectors.team_overdue(actor=actor, now=now)
    return {**{k: [a.pk for a in rows] for k, rows in mine.items()}, "team": team}


# --- the limit: hand-written SQL --------------------------------------------------------------


def _rows(sql: str, params: list[Any]) -> list[Any]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [row[0] if len(row) == 1 else row for row in cur.fetchall()]


def _visible(
    ctx: Any, role: str, column: str = "owner_id", partner: str = "partner_id IN ({})"
) -> str:
    """The actor's sales scope: everything for the head of the company; else one IN list of
    themselves, their reports and everyone in the units they lead, or rows of partners they
    manage (three small queries)."""
    me = ctx.people[role].pk
    paths = _rows("SELECT path FROM org_orgunit WHERE leader_id = %s AND is_active", [me])
    if any(path.count("/") == 2 for path in paths):
        return "1 = 1"
    ids = _rows(
        "SELECT u.id FROM org_user u LEFT JOIN org_orgunit ou ON ou.id = u.unit_id"
        " WHERE u.id = %s OR u.manager_id = %s" + " OR ou.path LIKE %s" * len(paths),
        [me, me, *(f"{path}%" for path in paths)],
    )
    partners = _rows("SELECT id FROM crm_partner WHERE channel_manager_id = %s", [me])
    where = f"{column} IN ({','.join(map(str, ids))})"
    return f"({where} OR {partner.format(','.join(map(str, partners)))})" if partners else where


def _contains(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"UPPER({column}::text) LIKE UPPER(%s)"
    return f"{column} LIKE %s ESCAPE '\\'"


def _deal_page(where: str, order: str, args: list[Any]) -> Any:
    """The deal list's first page of ids and its totals (count, amount, weighted), from one
    `FROM … WHERE …` of deals `o`."""
    rows = _rows(f"SELECT o.id{where} ORDER BY {order} LIMIT {PER_PAGE}", args)
    n, amount, weighted = _rows(
        "SELECT COUNT(*), COALESCE(SUM(o.amount), 0),"
        f" COALESCE(SUM((o.amount * o.probability + 50) / 100), 0){where}",
        args,
    )[0]
    totals = {"count": n, "amount": amount, "weighted_sum": weighted}
    return {"rows": rows, "count": n, "totals": totals}


def _deals_limit(ctx: Any, role: str, stage: str) -> Any:
    params = _deal_filters(ctx, stage)
    stage_sql = "o.stage_id = %s" if stage else "s.kind = 'open'"
    args = [params["stage"]] if stage else []
    where = (f" FROM crm_opportunity o JOIN crm_stage s ON s.id = o.stage_id"
             f" WHERE {_visible(ctx, role, 'o.owner_id')} AND {stage_sql}"
             " AND o.expected_close >= %s AND o.expected_close <= %s")  # fmt: skip
    args += [params["close_from"], params["close_to"]]
    return _deal_page(where, "o.amount DESC, o.id DESC", args)


def _open_deals_limit(ctx: Any, role: str) -> Any:
    """The deal list as it opens: open deals by expected close. On PostgreSQL the open deals
    are those not closed, read in order from their own index (crm 0021); on SQLite by their
    stages, sorted (`+` keeps SQLite from walking every deal by expected close)."""
    if connection.vendor == "postgresql":
        where, order = " FROM crm_opportunity o WHERE o.closed_at IS NULL", "o.expected_close"
    else:
        where = " FROM crm_opportunity o JOIN crm_stage s ON s.id = o.stage_id"
        where += " WHERE s.kind = 'open'"
        order = "+o.expected_close"
    where += f" AND {_visible(ctx, role, 'o.owner_id')}"
    return _deal_page(where, f"{order}, o.id", [])


def _status_deals_limit(ctx: Any, role: str, kind: str) -> Any:
    """Every deal of a stage kind ("all": of every stage), by expected close (the list filtered
    by status, nothing else). The stages' ids are read first. On SQLite, for a list of owners,
    `+o.stage_id` keeps it from seeking the (owner, stage) index, which needs a table lookup
    per deal: it reads the covering index by owner and close instead
    (`crm_opp_owner_close_amounts`; a branch's won totals at M 61 -> 8 ms). The whole
    company's come from the covering index by stage and close."""
    visible = _visible(ctx, role, "o.owner_id")
    where = f" FROM crm_opportunity o WHERE {visible}"
    if kind != "all":
        stages = _rows("SELECT id FROM crm_stage WHERE kind = %s", [kind])
        by_owner = connection.vendor == "sqlite" and visible != "1 = 1"
        stage = "+o.stage_id" if by_owner else "o.stage_id"
        where += f" AND {stage} IN ({','.join(map(str, stages))})"
    return _deal_page(where, "o.expected_close, o.id", [])


def _customers_limit(ctx: Any, role: str, text: str) -> Any:
    """Owned, unmerged customers in the actor's scope (the pool is filtered out by default)."""
    where = f" FROM crm_customer WHERE {_visible(ctx, role)} AND owner_id IS NOT NULL"
    where += " AND merged_into_id IS NULL"
    args: list[Any] = []
    if text:
        where += " AND (" + " OR ".join(map(_contains, ("name", "phone", "tax_number"))) + ")"
        args = [f"%{text}%"] * 3
        if connection.vendor == "sqlite" and len(text) >= 3:  # the text index (crm 0007)
            where += " AND id IN (SELECT rowid FROM crm_customer_text WHERE crm_customer_text"
            where += " MATCH %s)"
            args.append('"' + text.replace('"', '""') + '"')
    rows = _rows(f"SELECT id{where} ORDER BY name, id LIMIT {PER_PAGE}", args)
    n = _rows(f"SELECT COUNT(*){where}", args)[0]
    return {"rows": rows, "count": n, "totals": {"count": n}}


def _activities_limit(ctx: Any) -> Any:
    deals = "opportunity_id IN (SELECT id FROM crm_opportunity WHERE partner_id IN ({}))"
    where = f" FROM crm_activity WHERE {_visible(ctx, 'rep', partner=deals)}"
    rows = _rows(
        f"SELECT id{where} ORDER BY COALESCE(done_at, due_at) DESC, id DESC LIMIT {PER_PAGE}", []
    )
    return {"rows": rows, "count": _rows(f"SELECT COUNT(*){where}", [])[0], "totals": {}}


def my_activities_limit(ctx: Any) -> Any:
    me, at = ctx.people["rep"].pk, _now(ctx)
    day_end = timezone.localtime(at).replace(hour=23, minute=59, second=59)
    now, today_end, fortnight, since = (
        connection.ops.adapt_datetimefield_value(t)
        for t in (at, day_end, at + timedelta(days=14), at - timedelta(days=14))
    )
    planned = "SELECT id FROM crm_activity WHERE owner_id = %s AND status = 'planned'"
    leads = _rows(
        "SELECT 1 FROM org_orgunit WHERE leader_id = %s AND is_active UNION ALL"
        " SELECT 1 FROM org_user WHERE manager_id = %s",
        [me, me],
    )
    return {
        "overdue": _rows(f"{planned} AND due_at < %s ORDER BY due_at LIMIT 100", [me, now]),
        "today": _rows(
            f"{planned} AND due_at >= %s AND due_at <= %s ORDER BY due_at", [me, now, today_end]
        ),
        "upcoming": _rows(
            f"{planned} AND due_at > %s AND due_at <= %s ORDER BY due_at LIMIT 100",
            [me, today_end, fortnight],
        ),
        "done": _rows(
            "SELECT id FROM crm_activity WHERE owner_id = %s AND status = 'done'"
            " AND done_at IS NOT NULL AND COALESCE(done_at, due_at) >= %s"
            " ORDER BY COALESCE(done_at, due_at) DESC LIMIT 30",  # by the indexed date
            [me, since],
        ),
        "team": None if not leads else "leader",
    }


# --- the operations ---------------------------------------------------------------------------


def _cpu_ms(product: Callable[[Any], Any], ctx: Any) -> float:
    """The median CPU time of this process for one product run (5 runs): on a loaded machine
    the wall time also counts the waits for a core. On PostgreSQL it leaves out the server's
    own work; on SQLite, in process, it includes it."""
    samples = []
    for _i in range(5):
        started = process_time()
        product(ctx)
        samples.append((process_time() - started) * 1000)
    return round(statistics.median(samples), 2)


def _list_op(name: str, goal: harness.Goal, product: Any, limit: Any, prepare: Any = None) -> Op:
    def extra(ctx: Any, answer: Any) -> dict[str, Any]:
        """How many rows the count and totals cover (the work behind page 1); CPU time."""
        return {"matching_rows": answer["count"], "product_cpu_ms": _cpu_ms(product, ctx)}

    return Op(name, "lists", product, limit, goal=goal, extra=extra, prepare=prepare)


def _deal_op(role: str, stage: str, label: str) -> Op:
    return _list_op(
        f"opportunity list: {label}, close next quarter, by amount, page 1 ({role})",
        harness.LIST,
        lambda ctx: _page(_opportunities, ctx, role, _deal_filters(ctx, stage)),
        lambda ctx: _deals_limit(ctx, role, stage),
        prepare=lambda ctx: _deal_filters(ctx, stage),
    )


def _search_text(ctx: Any, role: str) -> str:
    """What the person types: for the director SEARCH_TEXT; for anyone else the same part
    (word and trade) of the name of their first customer, so that the search finds some."""
    from salesops.crm.models import Customer

    key = f"lists:search:{role}"
    if key not in ctx.cache:
        first = Customer.objects.filter(owner=ctx.people[role]).order_by("pk").first()
        ctx.cache[key] = SEARCH_TEXT if role == "director" or first is None else first.name[2:5]
    return ctx.cache[key]  # type: ignore[no-any-return]


def _search_op(role: str) -> Op:
    return _list_op(
        f"customer list: search by name ({role})",
        harness.SEARCH,
        lambda ctx: _page(_customers, ctx, role, {"q": _search_text(ctx, role)}),
        lambda ctx: _customers_limit(ctx, role, _search_text(ctx, role)),
        prepare=lambda ctx: _search_text(ctx, role),
    )


harness.register(
    _deal_op("manager", "", "open deals"),
    _deal_op("director", "", "open deals"),
    _deal_op("director", "proposal", "stage proposal"),
    *(_list_op(f"opportunity list: default page, open deals by expected close ({role})",
               harness.LIST, lambda ctx, role=role: _page(_opportunities, ctx, role, {}),
               lambda ctx, role=role: _open_deals_limit(ctx, role))
      for role in ("manager", "director")),
    *(_list_op(f"opportunity list: {label}, by expected close ({role})", harness.LIST,
               lambda ctx, role=role, kind=kind: _page(_opportunities, ctx, role, {"status": kind}),
               lambda ctx, role=role, kind=kind: _status_deals_limit(ctx, role, kind))
      for kind, label in (("won", "won deals"), ("all", "open, won and lost deals"))
      for role in ("manager", "director")),
    _search_op("rep"),
    _search_op("director"),
    _list_op("customer list: default page (rep)", harness.LIST,
             lambda ctx: _page(_customers, ctx, "rep", {}),
             lambda ctx: _customers_limit(ctx, "rep", "")),
    _list_op("activity list: default page (rep)", harness.LIST,
             lambda ctx: _page(_activities, ctx, "rep", {}), _activities_limit),
    Op("activity list: my activities (rep)", "lists", my_activities, my_activities_limit,
       goal=harness.LIST, extra=lambda ctx, _a: {"product_cpu_ms": _cpu_ms(my_activities, ctx)}),
)  # fmt: skip
