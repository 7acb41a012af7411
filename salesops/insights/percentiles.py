"""How long finished stays in open stages lasted, as nearest-rank percentiles computed by the
database: the length at position ceil(pct × n / 100) of a group's n stays sorted by length.

The stuck-deal rule learns its limits from millions of stays, so the database ranks them and
Python gets one row per group: percentile_disc on PostgreSQL, window functions over exact
microsecond lengths on SQLite (no percentile aggregate there). Per stage and customer tier the
stays are joined to their deal's customer; per stage over every tier no join is needed, and the
rule asks for those only where a tier has too few stays. `learn` turns the ranks into the rule's
limit for every open stage and tier.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection

from salesops.core.localtime import sqlite_micros
from salesops.crm.models import Customer, Opportunity, StageHistory
from salesops.crm.models.choices import Tier

# PostgreSQL's percentile_disc takes the position ceil(fraction × n) in floating point, where
# 0.07 × 100 comes out as 7.000000000000001. Shaving 1e-12 off the fraction gives the exact
# nearest rank ceil(pct × n / 100) for any n below 10^10: pct × n / 100 is either a whole number
# (then the shaved product stays just below it) or at least 0.01 below the next one.
NUDGE = 1e-12

Percentiles = dict[tuple[Any, ...], tuple[timedelta, int]]


def _stays(length: str, by_tier: bool, stages: list[int]) -> str:
    """Finished stays in these stages: the stage (and the deal's customer's tier) and length."""
    h, o, c = (m._meta.db_table for m in (StageHistory, Opportunity, Customer))
    tier = ", c.tier AS tier" if by_tier else ""
    join = f" JOIN {o} o ON o.id = h.opportunity_id JOIN {c} c ON c.id = o.customer_id"
    marks = ", ".join(["%s"] * len(stages))
    return (
        # Interpolated: table names, fixed expressions and parameter marks, never input.
        f"SELECT h.stage_id AS stage_id{tier}, {length} AS dur FROM {h} h"  # noqa: S608
        f"{join if by_tier else ''} WHERE h.left_at IS NOT NULL AND h.stage_id IN ({marks})"
    )


def _ranked_pg(pct: int, by_tier: bool, stages: list[int]) -> list[tuple[Any, ...]]:
    keys = "stage_id, tier" if by_tier else "stage_id"
    sql = (
        f"SELECT {keys}, COUNT(*), percentile_disc(%s) WITHIN GROUP (ORDER BY dur)"  # noqa: S608
        f" FROM ({_stays('h.left_at - h.entered_at', by_tier, stages)}) st GROUP BY {keys}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [pct / 100 - NUDGE, *stages])
        return cur.fetchall()


def _ranked_windowed(pct: int, by_tier: bool, stages: list[int]) -> list[tuple[Any, ...]]:
    keys = "stage_id, tier" if by_tier else "stage_id"
    length = f"{sqlite_micros('h.left_at')} - {sqlite_micros('h.entered_at')}"
    sql = (
        f"SELECT {keys}, n, dur FROM (SELECT {keys}, dur, ROW_NUMBER() OVER w AS r,"  # noqa: S608
        " COUNT(*) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n"
        f" FROM ({_stays(length, by_tier, stages)}) st"
        f" WINDOW w AS (PARTITION BY {keys} ORDER BY dur)) ranked WHERE r = (n * %s + 99) / 100"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*stages, pct])
        return [(*keys_, timedelta(microseconds=dur)) for *keys_, dur in cur.fetchall()]


def _percentiles(pct: int, by_tier: bool, stages: Iterable[int]) -> Percentiles:
    wanted = list(stages)
    if not wanted:
        return {}
    ranked = _ranked_pg if connection.vendor == "postgresql" else _ranked_windowed
    return {tuple(keys): (dur, n) for *keys, n, dur in ranked(pct, by_tier, wanted)}


def tier_percentiles(pct: int, stages: Iterable[int]) -> Percentiles:
    """{(stage id, tier): (the pct-th nearest-rank percentile of its finished stays' lengths,
    their number)} for these stages (one query)."""
    return _percentiles(pct, True, stages)


def stage_percentiles(pct: int, stages: Iterable[int]) -> Percentiles:
    """{(stage id,): (percentile, number)} over every tier for these stages (one query)."""
    return _percentiles(pct, False, stages)


@dataclass(frozen=True)
class Limit:
    """How long a stay may last before it is unusual, and what that was learned from (when it
    was learned is its provenance, not part of the limit: limits compare without it)."""

    limit: timedelta
    basis: str  # "tier", "stage" or "fixed"
    samples: int
    learned_at: datetime | None = field(default=None, compare=False)


Limits = dict[tuple[int, str], Limit]


def learn(pct: int, least: int, fixed: timedelta, stages: list[int], at: datetime) -> Limits:
    """The limit for every one of these stages and every customer tier: the pct-th percentile
    of the tier's finished stays, else of the stage's over every tier (asked for only where a
    tier has fewer than `least` stays: a third query), else `fixed`."""
    by_tier = tier_percentiles(pct, stages)
    thin = [s for s in stages if any(by_tier.get((s, t), (0, 0))[1] < least for t in Tier.values)]
    by_stage = stage_percentiles(pct, thin)
    limits: Limits = {}
    for stage_id in stages:
        for tier in Tier.values:
            p, n = by_tier.get((stage_id, tier), (None, 0))
            if p is not None and n >= least:
                limits[(stage_id, tier)] = Limit(p, "tier", n, at)
                continue
            p, n = by_stage.get((stage_id,), (None, 0))
            limits[(stage_id, tier)] = (
                Limit(p, "stage", n, at)
                if p is not None and n >= least
                else Limit(fixed, "fixed", 0, at)
            )
    return limits
