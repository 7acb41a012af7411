"""The scale data generator: `generate(scale)` fills an empty, migrated database (the product's
own schema and indexes) with a deterministic company of the given scale and reports the load."""

from __future__ import annotations

import random
import time
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from bench.data import crm, org, targets
from bench.data.clock import Clock
from bench.data.loader import Loader
from bench.scales import ANCHOR, SEED, Scale
from salesops.crm.services.rollups import trigger_tables_rebuild

PASSWORD = "salesops-bench"


def _models() -> list[Any]:
    from django.apps import apps

    return [m for m in apps.get_models() if m._meta.app_label in ("org", "crm", "targets")]


def is_empty() -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM crm_customer")
        customers = cur.fetchone()[0]
        cur.execute("SELECT COUNT(*) FROM org_user")
        users = cur.fetchone()[0]
    return customers == 0 and users == 0


def _skip_row_triggers() -> None:
    """PostgreSQL checks each loaded row's foreign keys with a deferred trigger, queued until
    commit (minutes for millions of rows). The generated rows are consistent by construction
    (the XS test checks the answers on both databases), so a superuser load skips them. That
    skips the triggers that keep the derived tables too (stages reached, rollups): generate
    rebuilds those from the loaded rows (on either database)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cur.fetchone()[0]:
            cur.execute("SET LOCAL session_replication_role = replica")


def generate(scale: Scale, seed: int = SEED, log: Any = print) -> dict[str, Any]:
    if not is_empty():
        raise RuntimeError("The database already has people or customers; use an empty one.")
    rng = random.Random(seed)
    clock = Clock(ANCHOR, scale.months, ahead_days=30)
    loader = Loader()
    started = time.perf_counter()
    fast = connection.vendor == "sqlite"
    if fast:
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous = OFF")
    with transaction.atomic():
        _skip_row_triggers()
        company = org.build(rng, scale.people, ANCHOR, scale.months)
        org.load(loader, company, make_password(PASSWORD), ANCHOR, clock.now)
        log(f"  org: {len(company.people)} people, {len(company.units)} units")
        records = crm.build(loader, rng, scale, company, clock)
        log(f"  crm: {loader.counts.get('crm_activity', 0)} activities")
        with connection.cursor() as cur:
            cur.execute("SELECT code, id FROM targets_kpidefinition")
            kpis = dict(cur.fetchall())
        targets.build(loader, rng, company, records, ANCHOR, kpis, loader.dt(clock.now) or "")
        loader.reset_sequences(_models())
        # The derived tables from the loaded rows: a PostgreSQL load skipped their triggers, and
        # an "empty" database may still hold rows of records deleted since (zero counts left by
        # a test database flushed table by table). The loaded tables are analysed first: with no
        # statistics yet (the load is not committed), PostgreSQL looked up each customer's
        # first win at M by intersecting bitmaps of ~300,000 won deals with the customer's.
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        trigger_tables_rebuild()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    report = loader.report()
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    report["scale"] = scale.name
    report["db"] = connection.vendor
    return report


def orphans() -> dict[str, int]:
    """Rows whose foreign keys point nowhere, for every foreign key of the loaded tables
    (what the skipped triggers would have refused)."""
    found = {}
    with connection.cursor() as cur:
        for model in _models():
            for field in model._meta.concrete_fields:
                if not field.is_relation or field.related_model is None:
                    continue
                table, column = model._meta.db_table, field.column
                target = field.related_model._meta.db_table
                cur.execute(
                    f'SELECT COUNT(*) FROM "{table}" t WHERE t."{column}" IS NOT NULL'
                    f' AND NOT EXISTS (SELECT 1 FROM "{target}" r WHERE r.id = t."{column}")'
                )
                found[f"{table}.{column}"] = cur.fetchone()[0]
    return {k: v for k, v in found.items() if v}
