"""Contracts (orders) from won deals, approval up the management chain, payments received."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesops.core.models import TimeStamped
from salesops.core.money import MoneyField
from salesops.core.visibility import VisibleQuerySet
from salesops.crm.visibility import CrmVisibility
from salesops.org.models import AllSignedIn
from salesops.org.roles import Role

FINANCE = frozenset([Role.FINANCE])


class ApprovalRule(models.Model):
    """A contract at or above the amount, or with a discount at or above the percentage, needs
    approval by the chain up to (and including) the first person of `up_to` position."""

    name = models.CharField(_("name"), max_length=100)
    min_amount = MoneyField(_("from amount"), null=True, blank=True)
    min_discount_pct = models.DecimalField(
        _("from discount (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    up_to = models.CharField(
        _("approval up to"), max_length=20, choices=Role.choices, default=Role.MANAGER
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = VisibleQuerySet.as_manager()
    visibility = AllSignedIn()

    class Meta:
        ordering = ["min_amount"]
        verbose_name = _("approval rule")
        verbose_name_plural = _("approval rules")

    def __str__(self) -> str:
        return self.name


class Contract(TimeStamped):
    """A contract/order. It counts as signed only once approved (when approval is needed)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Waiting for approval")
        SIGNED = "signed", _("Signed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        "crm.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    opportunity = models.OneToOneField(
        "crm.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contract",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    partner = models.ForeignKey(
        "crm.Partner",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    amount = MoneyField(_("amount"), default=0)
    max_discount_pct = models.DecimalField(
        _("largest discount (%)"), max_digits=5, decimal_places=2, default=0
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True, db_index=True)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    service_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="serviced_contracts",
    )
    handed_off_at = models.DateTimeField(_("handed to service"), null=True, blank=True)
    handoff_notes = models.TextField(_("hand-off notes"), blank=True)

    objects = VisibleQuerySet.as_manager()
    visibility = CrmVisibility(partner="partner", extra_roles=FINANCE)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return self.number


class ContractLine(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("crm.Product", verbose_name=_("product"), on_delete=models.PROTECT)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit_price = MoneyField(_("unit price"))
    discount_pct = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=0)
    total = MoneyField(_("line total"))

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"


class ApprovalStep(models.Model):
    """One approver's decision on a contract, in chain order."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="approvals")
    order = models.PositiveSmallIntegerField()
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_steps"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = VisibleQuerySet.as_manager()
    visibility = CrmVisibility(
        owner="contract__owner", partner="contract__partner", extra_roles=FINANCE
    )

    class Meta:
        ordering = ["contract_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "order"], name="approval_step_order_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}#{self.order} {self.decision}"


class Payment(TimeStamped):
    """Money received against a contract (collected revenue)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="payments"
    )
    amount = MoneyField(_("amount"))
    received_on = models.DateField(_("received on"), db_index=True)
    method = models.CharField(_("method"), max_length=30, blank=True)
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = VisibleQuerySet.as_manager()
    visibility = CrmVisibility(
        owner="contract__owner", partner="contract__partner", extra_roles=FINANCE
    )

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.amount}"
