"""Fixtures shared by the targets tests."""

from __future__ import annotations

import pytest
from django.utils import timezone

from salesops.core.periods import Period


@pytest.fixture
def year() -> Period:
    """This calendar year."""
    return Period.containing("year", timezone.localdate())
