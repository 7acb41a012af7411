from datetime import date

import pytest
from django.db import transaction

from salesops.core.demo import DemoContext
from salesops.org.demo import organisation
from salesops.org.models import OrgUnit, User

pytestmark = pytest.mark.django_db


def _summary() -> list[tuple[str, str, str, str]]:
    return list(
        User.objects.order_by("username").values_list(
            "username", "display_name", "position", "unit__code"
        )
    )


def test_demo_organisation_is_realistic_and_deterministic() -> None:
    with transaction.atomic():
        organisation(DemoContext(seed=7, today=date(2026, 11, 22)))
        first = _summary()
        transaction.set_rollback(True)
    assert not User.objects.exists()
    organisation(DemoContext(seed=7, today=date(2026, 11, 22)))
    assert 75 <= len(first) <= 95
    positions = {p for _u, _n, p, _c in first}
    assert positions == {"director", "senior_manager", "manager", "supervisor", "rep",
                         "channel_manager", "hr", "finance", "admin"}  # fmt: skip
    assert OrgUnit.objects.filter(kind="region").count() == 4
    assert OrgUnit.objects.filter(kind="team").count() == 10
    assert all(u.leader_id for u in OrgUnit.objects.filter(kind__in=["region", "team"]))
    assert any("\u4e00" <= ch <= "\u9fff" for ch in first[0][1])
    assert _summary() == first


def test_demo_speaks_english_when_asked() -> None:
    organisation(DemoContext(seed=7, language="en", today=date(2026, 11, 22)))
    director = User.objects.get(username="director")
    assert director.display_name.isascii() and " " in director.display_name
    assert OrgUnit.objects.get(code="hq").name == "Huachen Technology"
