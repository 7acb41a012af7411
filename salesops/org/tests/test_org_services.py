"""Units as a tree, moves with history, people, and who sees whom."""

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from salesops.core.models import AuditEntry
from salesops.org import selectors, services
from salesops.org.models import NAME_FIELDS, Assignment, OrgUnit, UnitPlacement, User, shown_name

pytestmark = pytest.mark.django_db


def test_unit_create_builds_the_materialised_path(cast: Any) -> None:
    team = services.unit_create(actor=cast.admin, name="N2", code="n2", kind="team",
                                parent=cast.units["north"])  # fmt: skip
    assert team.path == f"{cast.units['north'].path}{team.pk}/" and team.depth == 2
    assert AuditEntry.objects.filter(object_type="org.orgunit", object_id=str(team.pk)).exists()


def test_unit_move_carries_the_subtree_and_keeps_history(cast: Any) -> None:
    n1, south = cast.units["n1"], cast.units["south"]
    services.unit_move(actor=cast.admin, unit=cast.units["north"], parent=south,
                       effective=date(2026, 7, 1))  # fmt: skip
    n1.refresh_from_db()
    assert n1.path.startswith(south.path) and n1.depth == 3
    placements = UnitPlacement.objects.filter(unit=cast.units["north"]).order_by("start")
    assert [(p.parent_id, p.end) for p in placements][-1] == (south.pk, None)
    # the director (leads acme) still sees it; the other manager now leads it
    assert cast.units["n1"] in OrgUnit.objects.visible_to(cast.other_manager)
    assert cast.rep in User.objects.visible_to(cast.other_manager)


def test_a_unit_cannot_move_under_its_own_subtree(cast: Any) -> None:
    north_path = cast.units["north"].path
    with pytest.raises(ValidationError) as exc:
        services.unit_move(actor=cast.admin, unit=cast.units["north"], parent=cast.units["n1"])
    assert "parent" in exc.value.message_dict
    cast.units["north"].refresh_from_db()
    assert cast.units["north"].path == north_path


def test_person_move_keeps_effective_dated_history(cast: Any) -> None:
    services.person_move(actor=cast.admin, person=cast.rep, unit=cast.units["s1"],
                         position="supervisor", manager=cast.other_manager,
                         effective=date(2026, 3, 1), reason="promotion")  # fmt: skip
    rows = list(Assignment.objects.filter(user=cast.rep).order_by("start"))
    assert [(r.unit_id, r.end) for r in rows] == [
        (cast.units["n1"].pk, date(2026, 2, 28)), (cast.units["s1"].pk, None)
    ]  # fmt: skip
    assert selectors.unit_at(user=cast.rep, on=date(2026, 2, 28)) == cast.units["n1"].pk
    assert selectors.unit_at(user=cast.rep, on=date(2026, 3, 1)) == cast.units["s1"].pk
    cast.rep.refresh_from_db()
    assert (cast.rep.position, cast.rep.manager_id) == ("supervisor", cast.other_manager.pk)
    entry = AuditEntry.objects.filter(object_type="org.user", action="update").latest("at")
    assert entry.reason == "promotion" and entry.changes["position"] == ["rep", "supervisor"]


def test_person_move_refuses_a_date_before_the_current_assignment(cast: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.person_move(actor=cast.admin, person=cast.rep, unit=cast.units["s1"],
                             position="rep", manager=None, effective=date(2019, 1, 1))  # fmt: skip
    assert "effective" in exc.value.message_dict
    assert Assignment.objects.filter(user=cast.rep).count() == 1


def test_person_create_validates_and_saves_nothing_on_error(cast: Any) -> None:
    before = User.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=cast.admin, username="rep", display_name="Dup",
                               position="rep", unit=cast.units["n1"])  # fmt: skip
    assert "username" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=cast.admin, username="new", display_name="New",
                               position="rep", unit=cast.units["n1"], password="123")  # fmt: skip
    assert "password" in exc.value.message_dict
    assert User.objects.count() == before


def test_people_visibility_follows_the_tree(cast: Any) -> None:
    def seen(name: str) -> set[str]:
        return set(User.objects.visible_to(cast.users[name]).values_list("username", flat=True))

    everyone = set(cast.users)
    assert seen("rep") == {"rep"}
    assert seen("supervisor") == {"supervisor", "rep", "peer_rep"}
    assert seen("manager") == {"manager", "supervisor", "rep", "peer_rep"}
    assert seen("other_manager") == {"other_manager", "other_supervisor", "outside_rep"}
    assert seen("director") == everyone
    assert seen("hr") == seen("finance") == seen("admin") == everyone


def test_scopes_per_domain(cast: Any) -> None:
    assert cast.hr.scope("reviews").everything and not cast.hr.scope("pay").everything
    assert cast.finance.scope("pay").everything and cast.finance.scope("sales").empty
    assert cast.admin.scope("sales").everything and cast.admin.scope("reviews").empty
    ids = set(cast.manager.scope("sales").user_ids)
    assert ids == {cast.manager.pk, cast.supervisor.pk, cast.rep.pk, cast.peer_rep.pk}


def test_a_users_led_units_and_people_are_read_once_per_user_object(
    cast: Any, django_assert_num_queries: Any
) -> None:
    """A request's user reads the units it leads and the people under them once, for every
    domain; a user loaded afresh (the next request) sees a change."""
    from salesops.org.models import User

    manager = User.objects.get(pk=cast.manager.pk)
    with django_assert_num_queries(2):  # led paths, then the people under them
        people = manager.scope("people").user_ids
        assert manager.scope("sales").user_ids == people
        assert selectors.led_paths(manager) == [cast.units["north"].path]
    OrgUnit.objects.filter(pk=cast.units["south"].pk).update(leader=cast.manager)
    assert selectors.led_paths(manager) == [cast.units["north"].path]  # the same request
    again = User.objects.get(pk=cast.manager.pk)
    assert sorted(selectors.led_paths(again)) == sorted(
        [cast.units["north"].path, cast.units["south"].path]
    )
    assert cast.outside_rep.pk in again.scope("sales").user_ids
    assert cast.outside_rep.pk not in manager.scope("sales").user_ids


def test_unit_tree_counts_heads_with_a_fixed_number_of_queries(
    cast: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(3):
        roots = selectors.unit_tree(actor=cast.manager)
    assert [r["unit"].code for r in roots] == ["north"]
    assert roots[0]["children"][0]["headcount"] == 3
    assert (roots[0]["headcount"], roots[0]["total"]) == (1, 4)


@pytest.mark.parametrize(
    ("display", "first", "last", "shown"),
    [("王敏", "Min", "Wang", "王敏"), ("", "Min", "Wang", "Min Wang"), ("", "", "Wang", "Wang"),
     ("", "", "", "wmin")],
)  # fmt: skip
def test_a_person_is_shown_by_display_name_else_full_name_else_username(
    display: str, first: str, last: str, shown: str
) -> None:
    """What str(user) shows, and the same from the name fields' values (lists of many people)."""
    person = User(username="wmin", display_name=display, first_name=first, last_name=last)
    assert str(person) == shown
    assert shown_name(*(getattr(person, name) for name in NAME_FIELDS)) == shown
