"""Positions (roles) and the career ladder."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REP = "rep", _("Sales rep")
    SUPERVISOR = "supervisor", _("Sales supervisor")
    MANAGER = "manager", _("Sales manager")
    SENIOR_MANAGER = "senior_manager", _("Senior sales manager")
    DIRECTOR = "director", _("Sales director")
    CHANNEL_MANAGER = "channel_manager", _("Channel manager")
    HR = "hr", _("HR")
    FINANCE = "finance", _("Finance")
    ADMIN = "admin", _("Administrator")


# The career ladder, lowest step first.
CAREER_LADDER = [
    Role.REP,
    Role.SUPERVISOR,
    Role.MANAGER,
    Role.SENIOR_MANAGER,
    Role.DIRECTOR,
]
SALES_ROLES = frozenset([*CAREER_LADDER, Role.CHANNEL_MANAGER])
STAFF_ROLES = frozenset([Role.HR, Role.FINANCE, Role.ADMIN])
ALL_ROLES = frozenset(Role.values)
