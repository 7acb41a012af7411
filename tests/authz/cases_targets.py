"""Matrix cases of the targets pages and API.

Targets are seen by their owner, the leaders above them and administrators (HR and finance see
none). Seeing is not enough to act: leaders set the targets of their people and of the units
below the ones they lead (a supervisor splits the team's target to the reps but cannot change
the team's own target); nobody approves their own proposal.
"""

from decimal import Decimal
from typing import Any

from salesops.core.periods import Period
from salesops.targets.catalogue import ensure_catalogue
from salesops.targets.models import KpiDefinition, Target
from tests.authz.framework import OUTSIDE_CHAIN, REP_CHAIN, Case
from tests.authz.framework import Target as T

TEAM_CHAIN = frozenset({"supervisor", "manager", "director", "admin"})
OUTSIDE_TEAM_CHAIN = frozenset({"other_supervisor", "other_manager", "director", "admin"})
EVERYONE_SIGNED_IN = frozenset(REP_CHAIN | OUTSIDE_CHAIN | {"peer_rep", "channel_manager", "hr",
                                                            "finance"})  # fmt: skip
# Who may act on the rep's (outside rep's) own target: their leaders and administrators.
REP_LEADERS = REP_CHAIN - {"rep"}
OUTSIDE_LEADERS = OUTSIDE_CHAIN - {"outside_rep"}
# Who may change the team's own target: the leaders above the team, not its supervisor.
TEAM_SETTERS = TEAM_CHAIN - {"supervisor"}
OUTSIDE_TEAM_SETTERS = OUTSIDE_TEAM_CHAIN - {"other_supervisor"}


def _kpi() -> KpiDefinition:
    ensure_catalogue()
    return KpiDefinition.objects.get(code="won_revenue")


def _target(owner: Any, unit: bool = False, status: str = "approved", key: str = "2026") -> Any:
    target = Target(
        kpi=_kpi(),
        owner_user=None if unit else owner,
        owner_unit=owner if unit else None,
        value=Decimal("12000.00"),
        status=status,
    )
    target.set_period(Period.parse(key))
    target.save()
    return target


TARGETS = {
    "tgt_rep": T(lambda cast: _target(cast.rep), REP_CHAIN),
    "tgt_outside": T(lambda cast: _target(cast.outside_rep), OUTSIDE_CHAIN),
    "tgt_rep_proposal": T(lambda cast: _target(cast.rep, status="proposed", key="2026-Q3"),
                          REP_CHAIN),
    "tgt_outside_proposal": T(lambda cast: _target(cast.outside_rep, status="proposed",
                                                   key="2026-Q3"), OUTSIDE_CHAIN),
    "tgt_team": T(lambda cast: _target(cast.units["n1"], unit=True), TEAM_CHAIN),
    "tgt_outside_team": T(lambda cast: _target(cast.units["s1"], unit=True), OUTSIDE_TEAM_CHAIN),
    "tgt_kpi": T(lambda cast: _kpi(), EVERYONE_SIGNED_IN),
}  # fmt: skip
ALL = ("tgt_rep", "tgt_outside", "tgt_team", "tgt_outside_team")
PEOPLE = ("tgt_rep", "tgt_outside")
UNITS = ("tgt_team", "tgt_outside_team")
PROPOSALS = ("tgt_rep_proposal", "tgt_outside_proposal")
SET_BY = {"tgt_rep": REP_LEADERS, "tgt_outside": OUTSIDE_LEADERS,
          "tgt_team": TEAM_SETTERS, "tgt_outside_team": OUTSIDE_TEAM_SETTERS}  # fmt: skip
DECIDED_BY = {"tgt_rep_proposal": REP_LEADERS, "tgt_outside_proposal": OUTSIDE_LEADERS}
# Splitting a team's target sets the reps' targets: the team's supervisor may.
SPLIT_BY = {"tgt_team": TEAM_CHAIN, "tgt_outside_team": OUTSIDE_TEAM_CHAIN}


def _split_children(cast: Any, target: Any) -> dict[str, Any]:
    people = [cast.rep, cast.peer_rep] if target.owner_unit.code == "n1" else [cast.outside_rep]
    return {"method": "even", "children": [f"user:{p.pk}" for p in people]}


CASES = [
    Case("targets:my"),
    Case("targets:team"),
    Case("targets:tree"),
    Case("targets:target_list"),
    Case("targets:history"),
    Case("targets:target_detail", targets=ALL),
    Case("targets:target_records", targets=ALL),
    Case("targets:target_create"),
    Case("targets:target_edit", targets=ALL, acts_on=SET_BY, refused=403),
    Case(
        "targets:target_split",
        targets=UNITS, acts_on=SPLIT_BY, refused=403,
    ),
    Case("targets:target_phase", targets=ALL, acts_on=SET_BY, refused=403),
    Case("targets:target_approve", method="post", targets=PROPOSALS, acts_on=DECIDED_BY,
         refused=403, ok=302),
    Case("targets:target_return", method="post", targets=PROPOSALS, acts_on=DECIDED_BY,
         refused=403, ok=302, data={"reason": "Too low"}),
    Case("targets:target_delete", method="post", targets=ALL, acts_on=SET_BY, refused=403,
         ok=302),
    Case("targets:propose"),
    Case("targets:manual_record"),
    Case("targets:kpi_list"),
    Case("targets:kpi_create"),
    Case("targets:kpi_edit", targets=("tgt_kpi",)),
    Case("targets:ramp_rules"),
    # API operations
    Case("api:targets_kpi_list"),
    Case("api:targets_target_list"),
    Case("api:targets_target_get", targets=ALL, kwarg="target_id"),
    Case("api:targets_target_records", targets=ALL, kwarg="target_id"),
    # Whom a leader may set a target for differs by leader (covered in the API tests); here an
    # unparseable period answers every allowed role alike.
    Case("api:targets_target_create", method="post", ok=400,
         data={"kpi": "won_revenue", "period": "someday", "value": "1.00"}),
    Case("api:targets_target_update", method="patch", targets=ALL, kwarg="target_id",
         acts_on=SET_BY, refused=403, data={"value": "15000.00", "reason": "Bigger market"}),
    Case("api:targets_target_split", method="post", targets=UNITS, kwarg="target_id",
         acts_on=SPLIT_BY, refused=403, data=_split_children),
    Case("api:targets_target_phase", method="post", targets=PEOPLE, kwarg="target_id",
         acts_on=SET_BY, refused=403, data={"kind": "month", "method": "even"}),
    Case("api:targets_target_approve", method="post", targets=PROPOSALS, kwarg="target_id",
         acts_on=DECIDED_BY, refused=403, data={}),
    Case("api:targets_target_propose", method="post", ok=201,
         data={"kpi": "won_revenue", "period": "2026-Q4", "value": "5000.00"}),
    Case("api:targets_attainment"),
    Case("api:targets_tree"),
]  # fmt: skip
