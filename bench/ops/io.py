"""Import and export at scale: the product's own import and export paths beside the best
hand-written bulk SQL for the same rows.

Import: a generated CSV of min(100,000, customers of the scale) new customers goes through the
customer importer exactly as the import page drives it (read the file, preview, then save all or
nothing) as the director; the limit parses the same file, resolves owners and territories with
one query each and inserts the rows with COPY (PostgreSQL) or 500-row INSERTs (SQLite). Both run in
a transaction that is rolled back, so the database is left as it was. The answer is the number
of customers created and checksums of what was stored.

Export: the customer list's CSV (and Excel) export for the director, requested through the
page (Django test client, so middleware, routing and streaming are the product's), beside a raw
SELECT of the same columns written with csv.writer / openpyxl. The answer is the row count and
a SHA-256 of the rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
import time
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

from django.conf import settings
from django.core.signals import request_started
from django.db import connection, reset_queries, transaction
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bench.harness import Goal, Op, register, span
from bench.ops.sql import owner_in, pg, rows, scope_ids
from bench.scales import SEED
from salesops.core.imports import read_table
from salesops.core.models import AuditEntry
from salesops.crm.importers.accounts import CustomerImporter
from salesops.crm.models import Customer
from salesops.crm.models.choices import Source, Tier

ACTOR = "director"
TAX_PREFIX = "9144"  # the generated customers' tax numbers start with 9131: no clash
HEADER = ["Name", "Tax number", "Phone", "Type", "Tier", "Status", "Industry", "Size",
          "Territory", "Source", "Address", "Owner (username)"]  # fmt: skip
INDUSTRIES = ["制造", "零售", "医疗", "能源", "金融", "教育", "物流", "软件", "化工", "食品"]
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "南京", "成都", "武汉", "西安", "苏州"]
WORDS = ["华辰", "恒通", "嘉禾", "瑞丰", "鼎盛", "远航", "启明", "新源", "德信", "金桥"]
RATE = Goal(kind="rate", rate=10_000)


def import_size(ctx: Any) -> int:
    return min(100_000, ctx.scale.customers)


# --- the file --------------------------------------------------------------------------------


def import_file(ctx: Any) -> bytes:
    """The CSV to import (built once per run, deterministic): new customers only, owned by the
    reps, with Chinese tier labels as a Chinese sales office writes them."""
    if "io_csv" not in ctx.cache:
        from salesops.org.models import Territory, User

        reps = list(
            User.objects.filter(position="rep", is_active=True)
            .order_by("username")
            .values_list("username", flat=True)
        )
        codes = list(Territory.objects.filter(is_active=True).order_by("code").values_list("code"))
        with translation.override("zh-hans"):
            tiers = [str(label) for _code, label in Tier.choices]
        rng = random.Random(SEED)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(1, import_size(ctx) + 1):
            writer.writerow(_file_row(rng, n, reps, [c[0] for c in codes], tiers))
        ctx.cache["io_csv"] = out.getvalue().encode("utf-8")
    data: bytes = ctx.cache["io_csv"]
    return data


def _file_row(rng: random.Random, n: int, reps: list[str], codes: list[str],
              tiers: list[str]) -> list[str]:  # fmt: skip
    city, word = rng.choice(CITIES), rng.choice(WORDS)
    return [
        f"{city}{word}{rng.choice(INDUSTRIES)}有限公司{rng.choice(CITIES)}第{n}分公司",
        f"{TAX_PREFIX}{n:014d}",
        f"0755-{n:08d}",
        "enterprise" if rng.random() < 0.9 else "individual",
        rng.choices(tiers, weights=[2, 8, 25, 65])[0],
        rng.choice(["prospect", "active", "active", "dormant"]),
        rng.choice(INDUSTRIES),
        rng.choice(["small", "medium", "large", "huge", ""]),
        rng.choice(codes) if rng.random() < 0.85 else "",
        rng.choice(Source.values),
        f"{city}市{word}路{n % 500 + 1}号",
        rng.choice(reps),
    ]


def imported() -> dict[str, Any]:
    """What the import stored, as checksums over the imported customers."""
    (n, owners, places, text, owned), = rows(
        "SELECT COUNT(*), SUM(owner_id), SUM(COALESCE(territory_id, 0)),"
        " SUM(LENGTH(name) + LENGTH(tax_number) + LENGTH(phone) + LENGTH(industry)"
        " + LENGTH(address)), SUM(CASE WHEN owned_since IS NULL THEN 0 ELSE 1 END)"
        " FROM crm_customer WHERE tax_number LIKE %s", [TAX_PREFIX + "%"],
    )  # fmt: skip
    kinds = rows(
        "SELECT kind, tier, status, size, source, COUNT(*) FROM crm_customer"
        " WHERE tax_number LIKE %s GROUP BY kind, tier, status, size, source",
        [TAX_PREFIX + "%"],
    )
    return {"customers": n, "owner_sum": int(owners or 0), "territory_sum": int(places or 0),
            "text_chars": int(text or 0), "owned": int(owned or 0),
            "choices": {tuple(r[:5]): r[5] for r in kinds}}  # fmt: skip


# --- import: product -------------------------------------------------------------------------


def import_product(ctx: Any) -> dict[str, Any]:
    """Read, preview and save all-or-nothing, as the import page does (the timed span); then
    the checks of what was stored, and the transaction rolled back."""
    data, actor = import_file(ctx), ctx.people[ACTOR]
    with transaction.atomic():
        audits = AuditEntry.objects.filter(object_type="crm.customer").count()
        started, cpu = time.perf_counter(), time.process_time()
        with span(ctx):
            table = read_table(data, "customers.csv")
            preview = CustomerImporter(actor).run(table, preview=True)
            checked = time.perf_counter()
            result = CustomerImporter(actor).run(table, mode="all")
        ctx.cache["io_phases"] = {
            "preview_ms": round((checked - started) * 1000),
            "save_ms": round((time.perf_counter() - checked) * 1000),
            # this process's CPU time: on a busy machine the wall time is mostly waiting
            "cpu_ms": round((time.process_time() - cpu) * 1000),
            "audit_entries": AuditEntry.objects.filter(object_type="crm.customer").count() - audits,
        }
        answer = {"created": result.created, "problems": len(preview.problems)
                  + len(result.problems), **imported()}  # fmt: skip
        transaction.set_rollback(True)
    return answer


# --- import: limit ---------------------------------------------------------------------------

COLUMNS = ["created_at", "updated_at", "name", "kind", "industry", "size", "source", "status",
           "tier", "tax_number", "phone", "address", "owned_since", "owner_id",
           "territory_id"]  # fmt: skip


def import_limit(ctx: Any) -> dict[str, Any]:
    """Parse the same file, resolve names with one query each, bulk insert (the timed span);
    the same checks; rolled back."""
    with transaction.atomic():
        with span(ctx):
            records = list(_limit_records(import_file(ctx)))
            if pg():
                with (
                    connection.cursor() as cur,
                    cur.cursor.copy(f"COPY crm_customer ({', '.join(COLUMNS)}) FROM STDIN") as copy,
                ):
                    for record in records:
                        copy.write_row(record)
            else:  # 500 rows per statement (the text index's triggers flush once per statement)
                row = "(" + ", ".join(["?"] * len(COLUMNS)) + ")"
                for k in range(0, len(records), 500):
                    chunk = records[k : k + 500]
                    connection.connection.execute(
                        f"INSERT INTO crm_customer ({', '.join(COLUMNS)}) VALUES "
                        + ", ".join([row] * len(chunk)),
                        [v for record in chunk for v in record],
                    )
        answer = {"created": len(records), "problems": 0, **imported()}
        transaction.set_rollback(True)
    return answer


def _limit_records(data: bytes) -> Iterator[tuple[Any, ...]]:
    owners = {u.lower(): i for i, u in rows("SELECT id, username FROM org_user")}
    places = {c.lower(): i for i, c in rows("SELECT id, code FROM org_territory")}
    with translation.override("zh-hans"):
        tiers = {str(label): code for code, label in Tier.choices}
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    next(reader)
    for (
        name,
        tax,
        phone,
        kind,
        tier,
        status,
        industry,
        size,
        place,
        source,
        address,
        owner,
    ) in reader:
        yield (now, now, name, kind, industry, size, source, status, tiers[tier], tax, phone,
               address, now, owners[owner.lower()], places.get(place.lower()))  # fmt: skip


def import_extra(ctx: Any, answer: Any) -> dict[str, Any]:
    return {"rows": import_size(ctx), **ctx.cache.get("io_phases", {})}


# --- export --------------------------------------------------------------------------------

EXPORT_URL = "/crm/customers/"


def export_product(fmt: str, tier: str = "") -> Any:
    """The director's customer list (of one tier when given) exported through the page; the
    login is rolled back after."""

    def run(ctx: Any) -> dict[str, Any]:
        # One client for the run: a new one loads the middleware again (WhiteNoise scans the
        # static files, ~90 ms), which a server does once, not per request.
        client = ctx.cache.setdefault("io_client", Client())
        client.cookies.clear()  # the last run's session was rolled back with it
        with transaction.atomic(), _query_log_kept(), _one_clock(ctx):
            client.force_login(ctx.people[ACTOR])
            response = client.get(EXPORT_URL, {"export": fmt, "tier": tier})
            chunks = response.streaming_content if response.streaming else [response.content]
            body = b"".join(chunks)
            transaction.set_rollback(True)
        return _digest(fmt, body)

    return run


def export_limit(fmt: str, tier: str = "") -> Any:
    """The same rows read with one SELECT and written with csv.writer / openpyxl."""

    def run(ctx: Any) -> dict[str, Any]:
        with _one_clock(ctx):  # the SQL runs here; the rows are formatted below
            header, lines = _export_rows(ctx, tier)
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            out.write("\ufeff")
            writer.writerow(header)
            writer.writerows(lines)
            return _digest(fmt, out.getvalue().encode("utf-8"))
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(header)
        for line in lines:
            sheet.append(line)
        buffer = io.BytesIO()
        book.save(buffer)
        return _digest(fmt, buffer.getvalue())

    return run


@contextmanager
def _one_clock(ctx: Any) -> Iterator[None]:
    """The same "now" for the product and the limit: whether a customer is overdue depends on
    it, and at scale L some customer's last contact crosses the limit in the seconds between
    the two runs (their answers then differ by that one row)."""
    at = ctx.cache.setdefault("io_now", timezone.now())
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def _export_rows(ctx: Any, tier: str) -> tuple[list[str], Iterator[list[Any]]]:
    """The customer list's header and rows as the page shows them, straight from SQL: tier and
    status labels, owner or "Pool", overdue against the tier standards, local times."""
    from salesops.crm.views.accounts import CUSTOMER_COLUMNS

    actor = ctx.people[ACTOR]
    tz = zoneinfo.ZoneInfo(actor.time_zone or settings.TIME_ZONE)
    labels = {**dict(Tier.choices), **dict(Customer.Status.choices)}
    words = {k: str(v) for k, v in (("pool", _("Pool")), ("late", _("Overdue")),
                                     ("ok", _("Within standard")))}  # fmt: skip
    overdue, params = _overdue_sql()
    scope, scope_params = owner_in("c.owner_id", scope_ids(actor))
    if tier:
        scope, scope_params = f"{scope} AND c.tier = %s", [*scope_params, tier]
    found = rows(
        "SELECT c.name, c.tier, c.status, u.display_name, t.name, c.industry, c.last_contact_at,"
        f" {overdue}, c.phone FROM crm_customer c LEFT JOIN org_user u ON u.id = c.owner_id"
        " LEFT JOIN org_territory t ON t.id = c.territory_id"
        f" WHERE c.merged_into_id IS NULL{scope} ORDER BY c.name, c.id", [*params, *scope_params],
    )  # fmt: skip
    header = [str(col.label) for col in CUSTOMER_COLUMNS]
    return header, (
        [_cell(name), str(labels[tier]), str(labels[status]), _cell(owner or words["pool"]),
         _cell(place), _cell(industry), _local(last, tz), words["late" if late else "ok"],
         _cell(phone)]
        for name, tier, status, owner, place, industry, last, late, phone in found
    )  # fmt: skip


def _overdue_sql() -> tuple[str, list[Any]]:
    """Owned customers not contacted within their tier's standard (whole days, as the list)."""
    now, terms, params = timezone.now(), [], []
    for tier, days in rows("SELECT tier, max_days_between_contacts FROM crm_tierstandard"):
        cutoff = connection.ops.adapt_datetimefield_value(now - timedelta(days=days + 1))
        terms.append("(c.tier = %s AND (c.last_contact_at <= %s OR (c.last_contact_at IS NULL"
                     " AND (c.owned_since <= %s OR (c.owned_since IS NULL"
                     " AND c.created_at <= %s)))))")  # fmt: skip
        params += [tier, cutoff, cutoff, cutoff]
    late = " OR ".join(terms) or "1 = 0"
    return f"CASE WHEN c.owner_id IS NOT NULL AND ({late}) THEN 1 ELSE 0 END", params


def _local(value: Any, tz: zoneinfo.ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, str):  # SQLite: UTC without a zone
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def _digest(fmt: str, body: bytes) -> dict[str, Any]:
    """Rows and a checksum of what a spreadsheet shows (CSV: the bytes; Excel: cell values,
    since the zip inside an .xlsx carries file times)."""
    if fmt == "csv":
        text = body.decode("utf-8")
        return {"rows": text.count("\r\n") - 1, "sha256": hashlib.sha256(body).hexdigest()}
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    digest, n = hashlib.sha256(), -1
    for line in sheet.iter_rows(values_only=True):
        digest.update(repr(line).encode())
        n += 1
    return {"rows": n, "sha256": digest.hexdigest()}


@contextmanager
def _query_log_kept() -> Iterator[None]:
    """Django empties the query log when a request starts; keep it, so that the harness counts
    the queries of the request."""
    request_started.disconnect(reset_queries)
    try:
        yield
    finally:
        request_started.connect(reset_queries)


def export_extra(ctx: Any, answer: Any) -> dict[str, Any]:
    return {"rows": answer["rows"]}


register(
    Op("import 100k customers", "io", import_product, import_limit, goal=RATE, repeat=1,
       extra=import_extra),
    Op("export 100k rows (CSV)", "io", export_product("csv"), export_limit("csv"), repeat=1,
       extra=export_extra),
    # Excel takes openpyxl ~0.3 ms a row to write and as long to read back for the checksum:
    # the key customers only (8% of all).
    Op("export key customers (Excel)", "io", export_product("xlsx", "key"),
       export_limit("xlsx", "key"), repeat=1, extra=export_extra),
)  # fmt: skip
