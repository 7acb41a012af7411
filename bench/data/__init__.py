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
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    report = loader.report()
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    report["scale"] = scale.name
    report["db"] = connection.vendor
    return report
