"""Insights API."""

from salesops.core.api import PolicyRouter

router = PolicyRouter(app="insights")
