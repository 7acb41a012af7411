"""Deals summed per owner and local month, kept exactly by database triggers (crm migration
0011) whoever writes the deals: the services, the admin, imports and bulk loaders (COPY
included). Reports over whole months (the funnel's twelve-month trend, say) read these few
rows instead of a year of deals. Never written from Python.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesops.core.money import MoneyField


class OwnerRollup(models.Model):
    """A rollup's rows belong to a deal or activity owner: an id kept without a foreign-key
    constraint or an index of its own (the triggers write it; each rollup's unique key
    indexes it with the rest of the row's key)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
        db_index=False, related_name="+",
    )  # fmt: skip

    class Meta:
        abstract = True


class DealMonth(OwnerRollup):
    """The deals of one owner in one local month: opened (by opening date) or closed (by close
    date, per stage), with their count, amount (minor units) and, for closed
    deals, the summed time from opening to closing in microseconds. Rows may hold zero counts
    after deals move away; readers add them up."""

    class Event(models.IntegerChoices):
        OPENED = 1, _("Opened")
        CLOSED = 2, _("Closed")

    month = models.DateField(_("month"))  # the first day of the local month
    event = models.PositiveSmallIntegerField(_("event"), choices=Event.choices)
    stage_id = models.IntegerField(_("stage"), default=0)  # closed deals: their stage; opened: 0
    n = models.BigIntegerField(default=0)
    amount = models.BigIntegerField(default=0)
    cycle_us = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "event", "owner", "stage_id"],
                name="crm_dealmonth_key",
            )
        ]
        verbose_name = _("deals of a month")
        verbose_name_plural = _("deals of a month")

    def __str__(self) -> str:
        return f"{self.owner_id} {self.month:%Y-%m} {self.event}: {self.n}"


class ActivityDay(OwnerRollup):
    """The activities one owner has done on one local day (status done, with a done time):
    kept by triggers on the activities (crm migration 0012), never written from Python."""

    day = models.DateField(_("day"))
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "owner"], name="crm_activityday_key")]
        # A team's days (a branch, a rep) by owner, with the count: read from the index alone
        indexes = [models.Index(fields=["owner", "day", "n"], name="crm_activityday_owner")]
        verbose_name = _("activities of a day")
        verbose_name_plural = _("activities of a day")

    def __str__(self) -> str:
        return f"{self.owner_id} {self.day}: {self.n}"


class ActivityMonth(OwnerRollup):
    """The activities one owner has done in one local month (as crm.ActivityDay counts them
    per day): a company's quarter is ~3k of these rows where it is ~80k days. Kept by triggers
    on the activities (crm migration 0020), never written from Python."""

    month = models.DateField(_("month"))  # the first day of the local month
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "owner"], name="crm_activitymonth_key")
        ]
        verbose_name = _("activities of a month")
        verbose_name_plural = _("activities of a month")

    def __str__(self) -> str:
        return f"{self.owner_id} {self.month:%Y-%m}: {self.n}"


class DealCohort(OwnerRollup):
    """The deals one owner opened in one local month that have been in the same set of stages
    (`bits`, as crm.StagesReached holds them): their count and amount. The funnel counts a
    month's deals that reached a stage from these rows. Kept by triggers on the deals and on
    the stages reached (crm migration 0015), never written from Python; deals without a
    stage bit are left out."""

    month = models.DateField(_("month"))  # the first day of the local month of opening
    bits = models.BigIntegerField(_("stages reached"))
    n = models.BigIntegerField(default=0)
    amount = MoneyField(_("amount"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "owner", "bits"], name="crm_dealcohort_key")
        ]
        verbose_name = _("deals opened in a month")
        verbose_name_plural = _("deals opened in a month")

    def __str__(self) -> str:
        return f"{self.owner_id} {self.month:%Y-%m} {self.bits:b}: {self.n}"


class StayMonth(OwnerRollup):
    """The finished stays in one stage of one owner's deals that ended in one local month:
    their count and summed length in microseconds (as core.localtime.Elapsed measures each).
    The funnel's time in stage reads these rows. Kept by triggers on the stage history and on
    the deals' owner (crm migration 0016), never written from Python."""

    month = models.DateField(_("month"))  # the first day of the local month the stays ended
    stage_id = models.IntegerField(_("stage"))
    n = models.BigIntegerField(default=0)
    total_us = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "owner", "stage_id"], name="crm_staymonth_key")
        ]
        verbose_name = _("stays ended in a month")
        verbose_name_plural = _("stays ended in a month")

    def __str__(self) -> str:
        return f"{self.owner_id} {self.month:%Y-%m} {self.stage_id}: {self.n}"


class ReasonMonth(OwnerRollup):
    """The deals of one owner closed in one local month, per stage and lost reason: their
    count and amount. The funnel's lost reasons read these rows (the other closed-deal figures
    read crm.DealMonth). Kept by triggers on the deals (crm migration 0017), never written
    from Python; a row whose deals all moved away holds zeros."""

    month = models.DateField(_("month"))  # the first day of the local month of closing
    stage_id = models.IntegerField(_("stage"))
    reason = models.CharField(_("lost reason"), max_length=20, blank=True)
    n = models.BigIntegerField(default=0)
    amount = MoneyField(_("amount"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "owner", "stage_id", "reason"], name="crm_reasonmonth_key"
            )
        ]
        verbose_name = _("closed deals of a month by lost reason")
        verbose_name_plural = _("closed deals of a month by lost reason")

    def __str__(self) -> str:
        return f"{self.owner_id} {self.month:%Y-%m} {self.stage_id} {self.reason}: {self.n}"


class StageRollup(OwnerRollup):
    """One owner's deals in one stage: their count, amount and weighted amount (each deal's
    amount × probability, rounded to the cent as `crm.selectors.sales.weighted_amount` rounds
    it). Kept by triggers on the deals (salesops/crm/open_sql.py), never written from Python; a
    row whose deals all moved away holds zeros."""

    stage_id = models.IntegerField(_("stage"))
    n = models.BigIntegerField(default=0)
    amount = MoneyField(_("amount"), default=0)
    weighted = MoneyField(_("weighted amount"), default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.owner_id} {self.stage_id}: {self.n}"


class OpenPipeline(StageRollup):
    """The deals not yet closed (no close date), as they stand now (crm migration 0014): the
    forecast and the funnel's open pipeline read the rows of the open stages."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "stage_id"], name="crm_openpipeline_key")
        ]
        verbose_name = _("open deals of a stage")
        verbose_name_plural = _("open deals of a stage")


class StageTotal(StageRollup):
    """Every deal, open or closed, as it stands now (crm migration 0022): the deal list's
    totals for a status, a stage or an owner read the rows of the stages it shows."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "stage_id"], name="crm_stagetotal_key")
        ]
        verbose_name = _("deals of a stage")
        verbose_name_plural = _("deals of a stage")


class CloseMonthTotal(StageRollup):
    """Every deal with an expected close date, open or closed, per month of that date (its
    first day; crm migration 0023): the deal list's totals over whole months of expected close
    (next quarter's open deals, say) read the rows of those months and the stages shown."""

    month = models.DateField(_("month of expected close"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "stage_id", "owner"], name="crm_closemonthtotal_key"
            )
        ]
        # the sums too: a quarter of a company's rows (~12,000 at M) read from the index alone
        indexes = [
            models.Index(
                fields=["month", "stage_id", "owner", "n", "amount", "weighted"],
                name="crm_closemonthtotal_sums",
            )
        ]
        verbose_name = _("deals of a stage by month of expected close")
        verbose_name_plural = _("deals of a stage by month of expected close")

    def __str__(self) -> str:
        return f"{self.owner_id} {self.stage_id} {self.month:%Y-%m}: {self.n}"


class RollupState(models.Model):
    """The time zone the monthly rollups were built in (one row). The triggers read it to place
    each deal in its local month; readers use the rollups only while it is the site's zone
    (`salesops rebuild_rollups` rebuilds them after a change). `shift` is the SQLite date
    modifier of a zone with one UTC offset ("+480 minutes"); empty where the zone has daylight
    saving, and SQLite then cannot place deals (the readers fall back to the deals)."""

    time_zone = models.CharField(max_length=64)
    shift = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup state")

    def __str__(self) -> str:
        return self.time_zone
