"""API shapes of targets and KPIs. Values are exact decimals (written as strings in JSON)."""

from datetime import date
from decimal import Decimal
from typing import Any

from ninja import Schema


class KpiOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    unit: str
    direction: str
    is_manual: bool
    source: str
    aggregate: str
    measure: str
    date_field: str
    filters: dict[str, Any]
    numerator: dict[str, Any]
    is_active: bool

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.label)


class TargetOut(Schema):
    id: int
    kpi: str
    owner_user_id: int | None
    owner_unit_id: int | None
    owner: str
    period: str
    period_kind: str
    period_start: date
    period_end: date
    value: Decimal
    proposed_value: Decimal | None
    status: str
    method: str
    description: str
    parent_id: int | None
    ramp_pct: int
    phasing: dict[str, str]

    @staticmethod
    def resolve_kpi(obj: Any) -> str:
        return str(obj.kpi.code)

    @staticmethod
    def resolve_owner(obj: Any) -> str:
        return str(obj.owner)

    @staticmethod
    def resolve_period(obj: Any) -> str:
        return str(obj.period_key)


class AttainmentOut(Schema):
    actual: Decimal | None
    target: Decimal
    pct: Decimal | None
    expected_linear: Decimal
    expected_seasonal: Decimal | None
    expected: Decimal
    status: str
    gap: Decimal | None
    ahead: Decimal | None
    projection: Decimal | None
    pace_per_day: Decimal | None
    working_days_elapsed: int
    working_days_remaining: int
    working_days_total: int

    @staticmethod
    def resolve_working_days_elapsed(obj: Any) -> int:
        return int(obj.clock.elapsed)

    @staticmethod
    def resolve_working_days_remaining(obj: Any) -> int:
        return int(obj.clock.remaining)

    @staticmethod
    def resolve_working_days_total(obj: Any) -> int:
        return int(obj.clock.total)


class TargetDetailOut(TargetOut):
    attainment: AttainmentOut

    @staticmethod
    def resolve_attainment(obj: Any) -> Any:
        return obj.att


class TargetIn(Schema):
    kpi: str
    period: str
    value: Decimal
    owner_user_id: int | None = None
    owner_unit_id: int | None = None
    description: str = ""
    parent_id: int | None = None
    reason: str = ""


class TargetPatch(Schema):
    value: Decimal | None = None
    description: str | None = None
    reason: str = ""


class SplitIn(Schema):
    method: str = "even"
    children: list[str]
    weights: dict[str, Decimal] = {}
    values: dict[str, Decimal] = {}
    apply_ramp: bool = True
    reason: str = ""


class PhaseIn(Schema):
    kind: str = "month"
    method: str = "seasonality"
    weights: dict[str, Decimal] = {}
    values: dict[str, Decimal] = {}
    apply_ramp: bool = True
    reason: str = ""


class ProposalIn(Schema):
    kpi: str
    period: str
    value: Decimal
    description: str = ""


class DecisionIn(Schema):
    value: Decimal | None = None
    reason: str = ""


class CellOut(Schema):
    person_id: int
    person: str
    unit: str
    kpi: str
    target_id: int | None
    target: Decimal | None
    actual: Decimal | None
    pct: Decimal | None
    expected: Decimal | None
    status: str
    projection: Decimal | None
    pace_per_day: Decimal | None


class TreeNodeOut(Schema):
    kind: str
    id: int
    name: str
    parent_unit_id: int | None
    depth: int
    target_id: int | None
    target: Decimal | None
    actual: Decimal | None
    pct: Decimal | None
    status: str
    split_sum: Decimal | None
    split_state: str
    split_diff: Decimal | None
