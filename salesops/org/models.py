"""The organisation: people, org units as a tree, reference data, and effective-dated history."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesops.core.models import TimeStamped
from salesops.core.visibility import RoleOnly, Scope, VisibleQuerySet
from salesops.org.roles import Role


class ReferenceData(models.Model):
    """Base of small code/name lists that administrators keep in the Django admin."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class AllSignedIn:
    """Reference data: every signed-in person may read it."""

    def apply(self, qs: models.QuerySet, actor: Any) -> models.QuerySet:
        return qs if actor is not None and actor.is_authenticated else qs.none()


class Territory(ReferenceData):
    """A sales territory (region)."""

    visibility = AllSignedIn()

    class Meta(ReferenceData.Meta):
        verbose_name = _("territory")
        verbose_name_plural = _("territories")


class ProductLine(ReferenceData):
    """A product line, for targets, commission rates and analysis."""

    visibility = AllSignedIn()

    class Meta(ReferenceData.Meta):
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")


class UnitVisibility:
    """Units: staff roles see all; others the subtrees they lead plus their own unit."""

    def apply(self, qs: models.QuerySet, actor: Any) -> models.QuerySet:
        from salesops.org.selectors import units_visible_filter

        if actor is None or not actor.is_authenticated or not actor.is_active:
            return qs.none()
        return qs.filter(units_visible_filter(actor))


class OrgUnit(TimeStamped):
    """A node of the organisation tree (company → region → team, any depth).

    `path` is the materialised path of ids ("/1/4/9/"), so a subtree is one indexed
    prefix match on SQLite and PostgreSQL alike.
    """

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        REGION = "region", _("Region")
        BRANCH = "branch", _("Branch")
        TEAM = "team", _("Team")
        DEPARTMENT = "department", _("Department")

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TEAM)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    leader = models.ForeignKey(
        "org.User",
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_units",
    )
    territory = models.ForeignKey(
        Territory, verbose_name=_("territory"), null=True, blank=True, on_delete=models.SET_NULL
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    objects = VisibleQuerySet.as_manager()
    visibility = UnitVisibility()

    class Meta:
        ordering = ["path"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")

    def __str__(self) -> str:
        return self.name


class UserQuerySet(VisibleQuerySet):
    pass


NAME_FIELDS = ("display_name", "first_name", "last_name", "username")  # what str(user) reads


def shown_name(display_name: str, first_name: str, last_name: str, username: str) -> str:
    """What str(user) shows, from the values of NAME_FIELDS (a list of a thousand names is read
    as values, without a user object each)."""
    return display_name or f"{first_name} {last_name}".strip() or username


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class PeopleVisibility:
    """People: HR, finance and administrators see all; a leader their subtree; others themselves."""

    def __init__(self, field: str = "pk") -> None:
        self.field = field

    def apply(self, qs: models.QuerySet, actor: Any) -> models.QuerySet:
        if actor is None or not actor.is_authenticated or not actor.is_active:
            return qs.none()
        scope = actor.scope("people")
        return qs if scope.everything else qs.filter(scope.q(self.field))


class User(AbstractUser):
    """A person who signs in: their position on the ladder, unit, manager and preferences."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    locale = models.CharField(_("language"), max_length=10, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=50, blank=True)
    position = models.CharField(
        _("position"), max_length=20, choices=Role.choices, default=Role.REP, db_index=True
    )
    grade = models.PositiveSmallIntegerField(_("level"), default=1)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_reports",
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    territory = models.ForeignKey(
        Territory, verbose_name=_("territory"), null=True, blank=True, on_delete=models.SET_NULL
    )
    product_lines = models.ManyToManyField(ProductLine, verbose_name=_("product lines"), blank=True)

    objects = UserManager()  # type: ignore[misc]
    visibility = PeopleVisibility()

    class Meta:
        ordering = ["username"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return shown_name(self.display_name, self.first_name, self.last_name, self.username)

    @property
    def role(self) -> str:
        """The role the route policy uses: the position, or admin for superusers."""
        return Role.ADMIN.value if self.is_superuser else str(self.position)

    def scope(self, domain: str) -> Scope:
        """What this person may see in a domain ("people", "sales", "reviews", "pay")."""
        from salesops.org.selectors import kept_on, scope_for

        return kept_on(self, f"_scope_{domain}", lambda: scope_for(self, domain))


class Assignment(models.Model):
    """Where a person was from `start` to `end` (open while current): unit, position, manager.

    Reports attribute past results to the unit a person was in at the time through this table.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    position = models.CharField(max_length=20, choices=Role.choices)
    manager = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)

    objects = VisibleQuerySet.as_manager()
    visibility = PeopleVisibility("user")

    class Meta:
        ordering = ["user_id", "start"]
        indexes = [models.Index(fields=["unit", "start"])]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return f"{self.user_id}@{self.unit_id} {self.start}–{self.end or ''}"


class UnitPlacement(models.Model):
    """Where a unit sat in the tree, from `start` to `end`: the history of unit moves."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="placements")
    parent = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)

    objects = VisibleQuerySet.as_manager()
    visibility = RoleOnly("admin", "hr", "director")

    class Meta:
        ordering = ["unit_id", "start"]

    def __str__(self) -> str:
        return f"{self.unit_id} under {self.parent_id} {self.start}–{self.end or ''}"
