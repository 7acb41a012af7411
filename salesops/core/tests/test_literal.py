"""Constants written into the SQL text select the same rows as parameters, and only constants
from the code are accepted."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesops.core.literal import Literal
from salesops.crm.models import Activity

pytestmark = pytest.mark.django_db


def test_a_literal_selects_what_a_parameter_selects_and_is_in_the_sql(cast: Any) -> None:
    for i, status in enumerate(["done", "done", "planned"]):
        Activity.objects.create(owner=cast.rep, kind="call", subject=f"s{i}", status=status)
    Activity.objects.create(owner=cast.rep, kind="call", subject="it's 100%", status="planned")
    with CaptureQueriesContext(connection) as seen:
        done = set(Activity.objects.filter(status=Literal("done")).values_list("pk", flat=True))
    assert done == set(Activity.objects.filter(status="done").values_list("pk", flat=True))
    assert len(done) == 2
    assert "'done'" in seen.captured_queries[0]["sql"]
    # Quotes and percent signs are written safely alongside real parameters
    found = Activity.objects.filter(subject=Literal("it's 100%"), owner=cast.rep)
    assert [a.subject for a in found] == ["it's 100%"]
    assert Activity.objects.filter(kind="call", status=Literal("planned")).count() == 2


@pytest.mark.parametrize("value", [True, 1.5, None, ["done"]])
def test_only_strings_and_integers_are_written_into_the_sql(value: Any) -> None:
    with pytest.raises(TypeError):
        list(Activity.objects.filter(subject=Literal(value)))
