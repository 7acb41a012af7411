"""Links from figures (the drill-down, other pages for the same lens; their paths kept) and the
lens's unit options."""

from typing import Any

import pytest
from django.test import override_settings
from django.urls import clear_script_prefix, reverse, set_script_prefix

from salesops.insights import links
from salesops.insights.lens import Window
from salesops.insights.tests import support as make


def test_a_kept_path_is_reverse_under_each_script_prefix() -> None:
    assert links.path_of("insights:drill") == reverse("insights:drill")
    set_script_prefix("/sales/")
    try:
        assert links.path_of("insights:drill") == reverse("insights:drill")
        assert links.path_of("insights:drill").startswith("/sales/")
    finally:
        clear_script_prefix()
    assert links.path_of("insights:drill") == reverse("insights:drill")


@override_settings(ROOT_URLCONF="salesops.insights.tests.moved_urls")
def test_a_kept_path_follows_another_urlconf() -> None:
    assert links.path_of("insights:drill") == "/elsewhere/records/"


@pytest.mark.django_db
def test_a_drill_link_carries_the_lens_and_the_figure(cast: Any) -> None:
    lens = make.lens(cast.director, Window.of(make.last_month()), unit=cast.units["north"])
    url = links.drill(lens, "won", person=cast.rep.pk, stage="")
    path, query = url.split("?")
    assert path == reverse("insights:drill")
    assert query == f"period={lens.window.key}&metric=won&person={cast.rep.pk}"


def test_the_lens_unit_options_are_indented_escaped_and_choose_the_lens_unit() -> None:
    from types import SimpleNamespace

    from salesops.insights.templatetags.insights_tags import unit_options

    units = [SimpleNamespace(pk=1, depth=0, name="HQ"),
             SimpleNamespace(pk=2, depth=2, name="R&D <Labs>")]  # fmt: skip
    html = unit_options(units, units[1])
    assert html == (
        '<option value="1">HQ</option>'
        '<option value="2" selected>&nbsp;&nbsp;&nbsp;&nbsp;R&amp;D &lt;Labs&gt;</option>'
    )
    assert " selected" not in unit_options(units, None)
